#region README
using System.Text.Json;
using AgentFlow.MLNet.Agent.Trajectories;
using AgentFlow.MLNet.MLNet;
using AgentFlow.MLNet.Training;
using Microsoft.ML;
#endregion

namespace Snippets;

/// <summary>README, The ML.NET estimator and transformer: Fit, Evaluate, SaveAgentFlow, LoadAgentFlow, PredictionEngine.</summary>
internal static class MLNetSnippet
{
    /// <summary>Trains the tiny model for one step, evaluates it, saves it, loads it back and predicts one question.</summary>
    public static void Run()
    {
        #region README
        var ml = new MLContext(seed: 1);
        var data = ml.AgentFlow().Data.LoadFromEnumerable([                    // or LoadFromJsonLines / LoadFromTextFile (CSV, TSV)
            new AgentFlowQuestion { Question = "What is 12 * 7?", Answer = "84" },
            new AgentFlowQuestion { Question = "What is 2 ^ 10?", Answer = "1024" },
        ]);
        var trainer = ml.AgentFlow().Trainers.FlowGrpo(new FlowGrpoEstimatorOptions
        {
            Model = AgentFlowModelSource.TinyModel(),                          // or FromFolder("Qwen2.5-7B-Instruct"), FromGguf("m.gguf")
            Trainer = new FlowGrpoOptions { BatchSize = 2, NumGenerations = 4, NumTrainEpochs = 1, MaxTurns = 1, MaxCompletionTokens = 16 },
            Transform = new AgentFlowTransformOptions { MaxNewTokens = 16, Agent = new() { MaxTurns = 1 } },
        });
        using var model = trainer.Fit(data);                                   // grouped rollouts + Flow-GRPO planner updates (LoRA)
        var metrics = ml.AgentFlow().Evaluate(model.Transform(data));          // adds PredictedAnswer, Trajectory, Turns, ToolCalls, Reward
        ml.Model.SaveAgentFlow(model, data.Schema, "agentflow.zip");          // an ML.NET zip + base weights, adapters, prompts
        var loaded = ml.Model.LoadAgentFlow("agentflow.zip", out var schema);  // in any process; greedy answers are identical
        using var engine = ml.Model.CreatePredictionEngine<AgentFlowQuestion, AgentFlowPrediction>(loaded);  // disposes `loaded`
        var prediction = engine.Predict(new AgentFlowQuestion { Question = "What is 3 + 4?" });
        string plan = Trajectory.FromJson(prediction.Trajectory).Turns[0].Planner.Output;   // every prompt and output is in there
        Console.WriteLine(JsonSerializer.Serialize(new { metrics.Accuracy, metrics.MeanTurns, prediction.PredictedAnswer, plan }));
        #endregion
    }
}
