// QuickStart (foundation stage): proves the whole native stack on this machine in a few seconds.
// It loads TorchSharp (applying the libstdc++ fix-up where the OS needs it), then trains a byte-level
// bigram language model on a few sentences and shows its loss falling and a greedy continuation.
// Later stages replace the bigram with the AgentFlow planner trained by Flow-GRPO.
using System.Text;
using AgentFlow.MLNet.Native;
using TorchSharp;
using static TorchSharp.torch;

TorchSharpNativeFixup.EnsureTorchLoaded();
Console.WriteLine(TorchSharpNativeFixup.EnsureApplied());
Console.WriteLine($"TorchSharp {typeof(torch).Assembly.GetName().Version}, libtorch {__version__}, {get_num_threads()} threads");

const string corpus =
    "the planner picks a tool. the executor calls the tool. the verifier checks the memory. " +
    "the generator writes the answer. the planner learns from the reward. ";
byte[] bytes = Encoding.UTF8.GetBytes(corpus);
random.manual_seed(42);

using var inputs = tensor(bytes[..^1].Select(b => (long)b).ToArray());
using var targets = tensor(bytes[1..].Select(b => (long)b).ToArray());
// A bigram model is one table: logits for the next byte given the current byte.
using var logitsTable = nn.Embedding(256, 256);
using var optimizer = optim.Adam(logitsTable.parameters(), lr: 0.1);

for (int step = 0; step <= 200; step++)
{
    using var scope = NewDisposeScope();
    optimizer.zero_grad();
    var loss = nn.functional.cross_entropy(logitsTable.forward(inputs), targets);
    loss.backward();
    optimizer.step();
    if (step % 50 == 0)
        Console.WriteLine($"step {step,3}  loss {loss.item<float>():F3}  (uniform guess: {Math.Log(256):F3})");
}

var text = new StringBuilder("the ");
using (no_grad())
{
    byte current = (byte)' ';
    for (int i = 0; i < 40; i++)
    {
        using var scope = NewDisposeScope();
        current = (byte)logitsTable.forward(tensor(new long[] { current })).argmax(-1).item<long>();
        text.Append((char)current);
    }
}
Console.WriteLine($"greedy continuation: \"{text}\"");
