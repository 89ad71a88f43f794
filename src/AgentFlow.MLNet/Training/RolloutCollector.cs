using System.Diagnostics;
using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Trajectories;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Rewards;

namespace AgentFlow.MLNet.Training;

/// <summary>The outcome of one step's rollouts: every trajectory, its outcome, and the planner turns that can be trained on.</summary>
internal sealed record RolloutBatch(
    IReadOnlyList<Trajectory> Trajectories,
    IReadOnlyList<TrajectoryOutcome> Outcomes,
    IReadOnlyList<PlannerTurnSample> Samples,
    TimeSpan Elapsed);

/// <summary>
/// Runs B questions × G trajectories of the full agent loop at once (so every module call of a turn meets the others
/// in the model host's batch) and scores each trajectory once. Every trajectory's seed derives from (run seed, step,
/// question, sample), so the same run reproduces the same samples.
/// </summary>
internal sealed class RolloutCollector(AgentFlowAgent agent, IAnswerScorer scorer, int groupSize, ulong seed)
{
    internal async Task<RolloutBatch> CollectAsync(IReadOnlyList<(TrainingExample Example, int DatasetIndex)> batch, int step, CancellationToken cancellationToken)
    {
        using var activity = TrainingTelemetry.Activities.StartActivity("flow_grpo.rollout");
        activity?.SetTag("step", step);
        var clock = Stopwatch.StartNew();
        var runs = new List<Task<(Trajectory, TrajectoryOutcome, List<PlannerTurnSample>)>>();
        for (int group = 0; group < batch.Count; group++)
        {
            for (int sample = 0; sample < groupSize; sample++)
                runs.Add(RunAsync(batch[group].Example, group, sample, SamplingSeeds.Derive(seed, step, batch[group].DatasetIndex, sample), cancellationToken));
        }
        var results = await Task.WhenAll(runs).ConfigureAwait(false);
        return new RolloutBatch(
            results.Select(r => r.Item1).ToList(),
            results.Select(r => r.Item2).ToList(),
            results.SelectMany(r => r.Item3).ToList(),
            clock.Elapsed);
    }

    private async Task<(Trajectory, TrajectoryOutcome, List<PlannerTurnSample>)> RunAsync(TrainingExample example, int group, int sample, ulong runSeed, CancellationToken cancellationToken)
    {
        var trajectory = await agent.SolveAsync(example.Question, runSeed, cancellationToken).ConfigureAwait(false);
        bool infrastructure = trajectory.IsInfrastructureFailure;
        double reward = double.NaN;
        if (!infrastructure)
        {
            try
            {
                var score = await (example.Scorer ?? scorer).ScoreAsync(
                    new ScoringRequest(trajectory.FinalAnswer, example.Answers) { Question = example.Question, Numbers = example.Numbers }, cancellationToken).ConfigureAwait(false);
                reward = score.Score;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A judge that is down is the infrastructure's failure, not a wrong answer.
                infrastructure = true;
                trajectory = trajectory with { Failure = $"scoring failed: {e.Message}" };
            }
        }
        trajectory = trajectory with { Reward = double.IsNaN(reward) ? null : reward };

        var samples = new List<PlannerTurnSample>();
        foreach (var turn in trajectory.Turns)
        {
            if (turn.Planner.Sequence is not { CompletionIds.Count: > 0 } sequence)
                continue;
            // The log-probs were taken under log_softmax(logits / T) with T = 1 for a greedy call.
            double temperature = sequence.Sampling is { Temperature: > 0 } used ? used.Temperature : 1.0;
            samples.Add(new PlannerTurnSample(group, sample, turn.Number - 1, sequence.PromptIds, sequence.CompletionIds, sequence.LogProbs, temperature, example.Source));
        }
        return (trajectory, new TrajectoryOutcome(group, sample, reward, infrastructure, trajectory.Turns.Count), samples);
    }
}
