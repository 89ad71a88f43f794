using AgentFlow.MLNet.Tools.Search;

namespace AgentFlow.MLNet.Tests.Tools;

/// <summary>A small corpus whose right answers are known, and a scratch folder deleted on dispose.</summary>
internal sealed class TestCorpus : IDisposable
{
    public static readonly SearchDocument[] Documents =
    [
        new("paris", "Paris", "Paris is the capital and most populous city of France. The Eiffel Tower stands on the Champ de Mars."),
        new("water", "Water", "Water boils at 100 degrees Celsius at sea level. At higher altitude the boiling point is lower."),
        new("python", "Python (programming language)", "Python is a high-level programming language created by Guido van Rossum."),
        new("curie", "Marie Curie", "Marie Curie won the Nobel Prize in Physics in 1903 and the Nobel Prize in Chemistry in 1911."),
        new("berlin", "Berlin", "Berlin is the capital of Germany. Its population is about 3.7 million people."),
        new("everest", "Mount Everest", "Mount Everest is the highest mountain above sea level, in the Himalayas."),
    ];

    public TestCorpus() => Folder = Directory.CreateTempSubdirectory("agentflow-search-test-").FullName;

    public string Folder { get; }

    public string Path(string name) => System.IO.Path.Combine(Folder, name);

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
