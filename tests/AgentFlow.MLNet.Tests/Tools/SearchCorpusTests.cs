using AgentFlow.MLNet.Tools.Search;

namespace AgentFlow.MLNet.Tests.Tools;

public class SearchCorpusTests
{
    [Fact]
    public void Jsonl_lines_give_id_title_and_text_or_contents()
    {
        using var corpus = new TestCorpus();
        string file = corpus.Path("corpus.jsonl");
        File.WriteAllLines(file,
        [
            """{"id": "doc-1", "title": "Paris", "text": "Paris is in France."}""",
            "",
            """{"id": 17, "title": "Berlin", "contents": "Berlin is in Germany."}""",
            """{"title": "Rome", "text": "Rome is in Italy."}""",
            """{"id": "0", "contents": "\"Evan Morris\"\nEvan L. Morris was a lobbyist."}""",
        ]);

        var documents = SearchCorpus.Read(file).ToList();

        Assert.Equal(
        [
            new SearchDocument("doc-1", "Paris", "Paris is in France."),
            new SearchDocument("17", "Berlin", "Berlin is in Germany."),
            new SearchDocument("corpus.jsonl:4", "Rome", "Rome is in Italy."),
            new SearchDocument("0", "Evan Morris", "Evan L. Morris was a lobbyist."),
        ], documents);
    }

    [Theory]
    [InlineData("""{"id": "a", "text": "fine"}""" + "\n" + "{not json}", "line 2: not valid JSON")]
    [InlineData("""["a", "b"]""", "line 1: expected a JSON object, found Array")]
    [InlineData("""{"id": "a", "title": "no text"}""", "line 1: the object has no string field 'text' or 'contents'")]
    [InlineData("""{"id": "a", "text": 42}""", "line 1: the field 'text' must be a string, found Number")]
    [InlineData("""{"id": ["a"], "text": "x"}""", "line 1: the field 'id' must be a string or a number, found Array")]
    public void Bad_jsonl_lines_name_the_file_and_line(string content, string expected)
    {
        using var corpus = new TestCorpus();
        string file = corpus.Path("bad.jsonl");
        File.WriteAllText(file, content);

        var error = Assert.Throws<InvalidDataException>(() => SearchCorpus.ReadJsonl(file).ToList());

        Assert.Contains(file, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_folder_gives_its_text_and_markdown_files_in_path_order()
    {
        using var corpus = new TestCorpus();
        Directory.CreateDirectory(corpus.Path("notes"));
        File.WriteAllText(corpus.Path("b.txt"), "plain text");
        File.WriteAllText(corpus.Path("notes/a.md"), "intro\n# The Heading\nbody");
        File.WriteAllText(corpus.Path("notes/c.md"), "no heading");
        File.WriteAllText(corpus.Path("image.png"), "not text");

        var documents = SearchCorpus.Read(corpus.Folder).ToList();

        Assert.Equal(
        [
            new SearchDocument("b.txt", "b", "plain text"),
            new SearchDocument("notes/a.md", "The Heading", "intro\n# The Heading\nbody"),
            new SearchDocument("notes/c.md", "c", "no heading"),
        ], documents);
    }

    [Fact]
    public void A_missing_path_is_reported()
    {
        Assert.Throws<FileNotFoundException>(() => SearchCorpus.Read("/nonexistent/corpus.jsonl"));
    }
}
