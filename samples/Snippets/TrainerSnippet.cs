#region README
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Lora;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Calculation;
using AgentFlow.MLNet.Training;
#endregion

namespace Snippets;

/// <summary>README, Training: the trainer end to end (rollouts, rewards, updates, checkpoints, resume).</summary>
internal static class TrainerSnippet
{
    /// <summary>Trains the tiny model's planner for two steps, then resumes the run from its output folder for one epoch more.</summary>
    public static async Task RunAsync()
    {
        #region README
        using var model = TinyModel.Create();                   // or LocalModel.Load("path/to/Qwen2.5-1.5B-Instruct")
        model.Model.AttachLora(new LoraOptions { Rank = 8 });   // the planner trains its adapters; the frozen modules and
        using var host = new ModelHost(model);                  // the KL reference are the same weights with adapters off
        var tools = new ToolRegistry([new CalculatorTool()]);
        TrainingExample[] train = [new("What is 17 * 23?", ["391"])];
        TrainingExample[] validation = [new("What is 19 * 21?", ["399"])];   // never trained on
        var options = new FlowGrpoOptions
        {
            BatchSize = 1, NumGenerations = 2, NumTrainEpochs = 2, MaxTurns = 1,   // a toy run: the defaults are the
            MaxCompletionTokens = 16, LearningRate = 1e-4,                        // paper's (32 × 8, 3 turns, 5 epochs)
            EvalSteps = 1, OutputFolder = "flow-grpo",                            // metrics.jsonl, checkpoint-{step}/
        };
        using (var trainer = new FlowGrpoTrainer(host, tools, new ExactMatchScorer(), options))
        {
            foreach (var step in await trainer.TrainAsync(train, validation))   // IProgress<T> reports them live
                Console.WriteLine($"step {step.Step}: reward {step.RewardMean:F2}, KL {step.Kl:F4}, validation {step.ValidationAccuracy:P0}");
            Console.WriteLine($"best: {Path.GetFileName(trainer.BestCheckpoint)}");
        }
        // A stopped run continues bit for bit from its newest checkpoint, step numbers going on; here, one epoch more.
        using var resumed = new FlowGrpoTrainer(host, tools, new ExactMatchScorer(), options with { ResumeFromCheckpoint = "flow-grpo", NumTrainEpochs = 3 });
        foreach (var step in await resumed.TrainAsync(train, validation))
            Console.WriteLine($"resumed, step {step.Step}: reward {step.RewardMean:F2}");
        #endregion
    }
}
