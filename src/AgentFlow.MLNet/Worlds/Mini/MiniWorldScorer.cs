using AgentFlow.MLNet.Rewards;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>
/// Scores an answer to any question of one <see cref="MiniWorld"/> with its family's scorer (<see cref="MiniScorers"/>),
/// found from the question's text. This lets a whole split be scored by one <see cref="IAnswerScorer"/>, as the ML.NET
/// estimator and transformer take it, with the same rewards as the per-row scorers of <see cref="MiniQuestion.ToExample"/>.
/// </summary>
/// <param name="world">The world whose questions are scored.</param>
public sealed class MiniWorldScorer(MiniWorld world) : IAnswerScorer
{
    private readonly MiniWorld _world = world ?? throw new ArgumentNullException(nameof(world));

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The request's question is not one of the world's.</exception>
    public ValueTask<ScoreResult> ScoreAsync(ScoringRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_world.TryFind(request.Question, out var question))
            throw new ArgumentException($"'{request.Question}' is not a question of this Mini world (seed {_world.Options.Seed}), so its family and scorer are unknown.", nameof(request));
        return MiniScorers.For(question.Family).ScoreAsync(request, cancellationToken);
    }
}
