using AgentFlow.MLNet.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Smoke;

/// <summary>Proves the native stack works: tensors, autograd and an optimiser step on the CPU backend.</summary>
[Collection(TorchCollection.Name)]
public sealed class TorchSmokeTests
{
    public TorchSmokeTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    [Fact]
    public void TensorArithmeticGivesExactResults()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        var b = tensor(new float[] { 5, 6, 7, 8 }).reshape(2, 2);

        var product = a.matmul(b);

        Assert.Equal(new float[] { 19, 22, 43, 50 }, product.data<float>().ToArray());
        Assert.Equal(10f, a.sum().item<float>());
    }

    [Fact]
    public void BackwardThroughALinearLayerGivesTheAnalyticGradient()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(seed: 7);
        using var layer = nn.Linear(3, 2);
        var x = randn([4, 3], generator: generator);

        // d/dW sum(W x + b) = sum over the batch of x, for every output row; d/db = batch size.
        layer.forward(x).sum().backward();

        var expectedWeightGrad = x.sum(dim: 0).unsqueeze(0).expand(2, 3);
        Assert.True(layer.weight!.grad!.allclose(expectedWeightGrad, rtol: 1e-5, atol: 1e-6));
        Assert.Equal(new float[] { 4, 4 }, layer.bias!.grad!.data<float>().ToArray());
    }

    [Fact]
    public void AdamStepsReduceTheLossOfASmallNetwork()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(seed: 11);
        random.manual_seed(11);
        using var model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1));
        var x = randn([64, 2], generator: generator);
        var y = (x[.., 0] * x[.., 1]).unsqueeze(1);
        using var optimizer = optim.Adam(model.parameters(), lr: 0.05);

        float Step()
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.forward(x), y);
            loss.backward();
            optimizer.step();
            return loss.item<float>();
        }

        float first = Step();
        float last = first;
        for (int i = 0; i < 150; i++)
            last = Step();

        Assert.True(last < first / 4, $"loss went from {first} to {last}");
    }
}

/// <summary>Torch tests share global state (the default RNG, thread pools) and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class TorchCollection
{
    public const string Name = "torch";
}
