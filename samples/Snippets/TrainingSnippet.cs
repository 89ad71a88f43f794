#region README
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Lora;
using AgentFlow.MLNet.Training;
#endregion

namespace Snippets;

/// <summary>README, Training: one Flow-GRPO step by hand (sample a group, reward it, update the policy).</summary>
internal static class TrainingSnippet
{
    /// <summary>Samples four answers, rewards them with a toy scorer, runs one update and saves the optimizer state.</summary>
    public static async Task RunAsync()
    {
        #region README
        using var tiny = TinyModel.Create(new TinyModelOptions { Seed = 1 });
        tiny.Model.AttachLora(new LoraOptions { Rank = 8, Alpha = 16 });   // the reference policy is the same model, adapters off
        using var host = new ModelHost(tiny);
        var options = new FlowGrpoOptions { NumGenerations = 4, LearningRate = 1e-3 };
        var prompt = tiny.EncodePrompt("Name a fruit.", chat: true);
        var group = await host.GenerateAsync(Enumerable.Range(0, options.NumGenerations)
            .Select(i => new GenerationRequest(prompt, new SamplingOptions { Temperature = options.Temperature, MaxNewTokens = 12, Seed = (ulong)i })).ToList());

        // One planner turn per trajectory here, and one reward per trajectory (a toy scorer: the share of letters).
        var turns = group.Select((s, i) => new PlannerTurnSample(0, i, 0, s.PromptIds, s.CompletionIds, s.LogProbs, s.Sampling!.Temperature)).ToList();
        var outcomes = group.Select((s, i) => new TrajectoryOutcome(0, i, tiny.Tokenizer.Decode(s.CompletionIds).Count(char.IsLetter) / 12.0, TurnCount: 1)).ToList();
        AdvantageResult advantages = GroupAdvantages.Compute(outcomes, turns, options);   // A = (r − mean) / (std + ε)

        using var updater = await host.RunAsync(model => new PolicyUpdater(model, options, totalSteps: 1), ModelAccess.Write);
        PolicyUpdateResult result = await host.RunAsync(_ => updater.Update(advantages.Turns), ModelAccess.Write);
        Console.WriteLine($"loss {result.Loss:F4}, |grad| {result.GradNorm:F3}, clipped {result.Statistics.ClipFractionHigh:P0}, log-prob drift {result.LogProbDrift:E1}");
        updater.SaveState("checkpoint");   // optimizer.safetensors; with the adapters it resumes bit for bit
        #endregion
    }
}
