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
/// in the model host's batch) and scores each trajectory once: alone, by the row's scorer or the trainer's, or with its
/// group's other answers when a group scorer is set (rows with a scorer of their own keep it). Every trajectory's seed
/// derives from (run seed, step, question, sample), so the same run reproduces the same samples.
/// </summary>
internal sealed class RolloutCollector(AgentFlowAgent agent, IAnswerScorer scorer, IGroupAnswerScorer? groupScorer, int groupSize, ulong seed)
{
    internal async Task<RolloutBatch> CollectAsync(IReadOnlyList<(TrainingExample Example, int DatasetIndex)> batch, int step, CancellationToken cancellationToken)
    {
        using var activity = TrainingTelemetry.Activities.StartActivity("flow_grpo.rollout");
        activity?.SetTag("step", step);
        var clock = Stopwatch.StartNew();
        var groups = batch.Select((row, group) => RunGroupAsync(row.Example, group, step, row.DatasetIndex, cancellationToken)).ToList();
        var results = (await Task.WhenAll(groups).ConfigureAwait(false)).SelectMany(g => g).ToList();
        return new RolloutBatch(
            results.Select(r => r.Trajectory).ToList(),
            results.Select(r => r.Outcome).ToList(),
            results.SelectMany(r => r.Samples).ToList(),
            clock.Elapsed);
    }

    private async Task<IReadOnlyList<Rollout>> RunGroupAsync(TrainingExample example, int group, int step, int datasetIndex, CancellationToken cancellationToken)
    {
        var solving = Enumerable.Range(0, groupSize)
            .Select(sample => agent.SolveAsync(example.Question, SamplingSeeds.Derive(seed, step, datasetIndex, sample), cancellationToken));
        var trajectories = await Task.WhenAll(solving).ConfigureAwait(false);
        var rewards = groupScorer is not null && example.Scorer is null
            ? await ScoreGroupAsync(groupScorer, example, trajectories, cancellationToken).ConfigureAwait(false)
            : await Task.WhenAll(trajectories.Select(t => ScoreAloneAsync(example, t, cancellationToken))).ConfigureAwait(false);
        return [.. trajectories.Select((trajectory, sample) => Finish(example, group, sample, trajectory, rewards[sample]))];
    }

    private async Task<Scored> ScoreAloneAsync(TrainingExample example, Trajectory trajectory, CancellationToken cancellationToken)
    {
        if (trajectory.IsInfrastructureFailure)
            return new Scored(double.NaN, null);
        try
        {
            var score = await (example.Scorer ?? scorer).ScoreAsync(
                new ScoringRequest(trajectory.FinalAnswer, example.Answers) { Question = example.Question, Numbers = example.Numbers }, cancellationToken).ConfigureAwait(false);
            return new Scored(score.Score, null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A judge that is down is the infrastructure's failure, not a wrong answer.
            return new Scored(double.NaN, $"scoring failed: {e.Message}");
        }
    }

    /// <summary>One call for the group's answers; trajectories that failed are left out of the call and of the group.</summary>
    private static async Task<Scored[]> ScoreGroupAsync(IGroupAnswerScorer judge, TrainingExample example, IReadOnlyList<Trajectory> trajectories, CancellationToken cancellationToken)
    {
        var rewards = trajectories.Select(_ => new Scored(double.NaN, null)).ToArray();
        var scored = Enumerable.Range(0, trajectories.Count).Where(i => !trajectories[i].IsInfrastructureFailure).ToList();
        if (scored.Count == 0)
            return rewards;
        try
        {
            var request = new GroupScoringRequest(example.Question, [.. scored.Select(i => trajectories[i].FinalAnswer)]) { GoldAnswers = example.Answers };
            var results = await judge.ScoreGroupAsync(request, cancellationToken).ConfigureAwait(false);
            if (results.Count != scored.Count)
                throw new InvalidOperationException($"the group scorer returned {results.Count} scores for {scored.Count} answers");
            for (int k = 0; k < scored.Count; k++)
                rewards[scored[k]] = new Scored(results[k].Score, null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            foreach (int i in scored)
                rewards[i] = new Scored(double.NaN, $"group scoring failed: {e.Message}");
        }
        return rewards;
    }

    private static Rollout Finish(TrainingExample example, int group, int sample, Trajectory trajectory, Scored scored)
    {
        bool infrastructure = trajectory.IsInfrastructureFailure || scored.Failure is not null;
        if (scored.Failure is not null)
            trajectory = trajectory with { Failure = scored.Failure };
        trajectory = trajectory with { Reward = double.IsNaN(scored.Reward) ? null : scored.Reward };

        var samples = new List<PlannerTurnSample>();
        foreach (var turn in trajectory.Turns)
        {
            if (turn.Planner.Sequence is not { CompletionIds.Count: > 0 } sequence)
                continue;
            // The log-probs were taken under log_softmax(logits / T) with T = 1 for a greedy call.
            double temperature = sequence.Sampling is { Temperature: > 0 } used ? used.Temperature : 1.0;
            samples.Add(new PlannerTurnSample(group, sample, turn.Number - 1, sequence.PromptIds, sequence.CompletionIds, sequence.LogProbs, temperature, example.Source));
        }
        return new Rollout(trajectory, new TrajectoryOutcome(group, sample, scored.Reward, infrastructure, trajectory.Turns.Count), samples);
    }

    private sealed record Scored(double Reward, string? Failure);

    private sealed record Rollout(Trajectory Trajectory, TrajectoryOutcome Outcome, IReadOnlyList<PlannerTurnSample> Samples);
}
