namespace AgentFlow.MLNet.Tools.Search;

/// <summary>A document of a local corpus, before it is split into passages and indexed.</summary>
/// <param name="Id">A stable identifier shown with every hit, such as a JSONL id or a relative file path.</param>
/// <param name="Title">The document's title (searched with extra weight); may be empty.</param>
/// <param name="Text">The document's text.</param>
public sealed record SearchDocument(string Id, string Title, string Text);
