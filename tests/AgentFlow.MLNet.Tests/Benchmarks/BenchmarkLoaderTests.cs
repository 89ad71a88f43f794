using System.Security.Cryptography;
using AgentFlow.MLNet.Benchmarks;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Tests.Native;

namespace AgentFlow.MLNet.Tests.Benchmarks;

public class BenchmarkLoaderTests
{
    [Theory]
    [InlineData("bamboogle", 125)]
    [InlineData("hotpotqa", 100)]
    [InlineData("2wiki", 200)]
    [InlineData("musique", 200)]
    [InlineData("aime24", 30)]
    [InlineData("amc23", 40)]
    [InlineData("gameof24", 300)]
    public void Each_shipped_set_loads_from_beside_the_assembly_with_its_documented_row_count(string name, int rows)
    {
        var set = BenchmarkLoader.Load(name);

        Assert.Equal(rows, set.Items.Count);
        Assert.Equal(Path.Combine(BenchmarkLoader.DefaultDirectory, set.Definition.FileName), set.SourcePath);
        Assert.All(set.Items, item =>
        {
            Assert.Equal(name, item.Benchmark);
            Assert.False(string.IsNullOrWhiteSpace(item.Question));
            Assert.NotEmpty(item.GoldAnswers);
            Assert.Same(set.Scorer, item.Scorer);
        });
        Assert.Equal(rows, set.Items.Select(i => i.Id).Distinct().Count());
    }

    // SHA-256 of the AgentFlow release's test sets and of the licence and README that ship with them.
    public static TheoryData<string, string> ShippedFiles => new()
    {
        { "bamboogle.json", "647c37dda2f27341e3f28e5b2a9625f6abcff44639f26a08dcbe1667d831d5e2" },
        { "hotpotqa.json", "81f09495a18c6bc1cd1c48483babc6c59dfb9381e524850be53ffb62a9c28fd7" },
        { "2wiki.json", "eb4b045ebf8e3441bb14a7420e5d84bafcaea58c776cfec75c3bb98ee1653122" },
        { "musique.json", "195b9e75a45c58a5a0398c753a1d8fb7a8adf87b4bfde3f12d20ce22517e4759" },
        { "aime24.json", "9284356275e85963bc7508d41c42b73215faffc962abad02f248a650ca51feb2" },
        { "amc23.json", "ad7c8d4930ac9399e01915632c92fa69f7988f6f097bd57ebc7067569aa63072" },
        { "gameof24.json", "ffb0c95018ba400931f2940a2dabae666f1ed6d0383beadd969f0447869a14ff" },
        { "LICENSE.AgentFlow", "7b3d5313d62030d656f5237984c011b40381292cbe8ea97d7998cd0a752826a0" },
        { "README.md", "26b70a02371050f28d555fbb2b89b3bafc6b84ac6dd4f2af098086fb9acba703" },
    };

    [Theory]
    [MemberData(nameof(ShippedFiles))]
    public void The_shipped_files_are_the_AgentFlow_test_sets_with_their_licence(string file, string sha256) =>
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(BenchmarkLoader.DefaultDirectory, file)))));

    [Fact]
    public void Every_catalogued_set_is_among_the_pinned_files() =>
        Assert.Subset(ShippedFiles.Select(row => (string)row[0]).ToHashSet(), BenchmarkCatalog.All.Select(b => b.FileName).ToHashSet());

    [Fact]
    public void Questions_come_from_query_and_answers_become_strings()
    {
        var bamboogle = BenchmarkLoader.Load(BenchmarkCatalog.Bamboogle).Items[0];
        Assert.Equal("0", bamboogle.Id);
        Assert.StartsWith("Who was president of the United States in the year that Citibank was founded?", bamboogle.Question);
        Assert.Equal(["james madison"], bamboogle.GoldAnswers);
        Assert.Empty(bamboogle.Numbers);

        var twoWiki = BenchmarkLoader.Load(BenchmarkCatalog.TwoWiki).Items[199];
        Assert.Equal("199", twoWiki.Id);
        Assert.Equal("What is the place of birth of George Linnaeus Banks's wife?", twoWiki.Question);
        Assert.Equal(["Manchester"], twoWiki.GoldAnswers);

        var aime = BenchmarkLoader.Load(BenchmarkCatalog.Aime24).Items[0];
        Assert.Equal(["33"], aime.GoldAnswers);
    }

    [Fact]
    public void Game_of_24_poses_the_prompt_and_keeps_the_numbers()
    {
        var item = BenchmarkLoader.Load(BenchmarkCatalog.GameOf24).Items[0];

        Assert.StartsWith("Using the numbers [1, 1, 1, 8], create an expression that equals 24.", item.Question);
        Assert.Equal([1, 1, 1, 8], item.Numbers);
        Assert.Equal(["(1+1+1)×8"], item.GoldAnswers);
        var request = item.ToScoringRequest("(1+1+1)×8");
        Assert.Equal(item.Numbers, request.Numbers);
        Assert.Equal(item.Question, request.Question);
    }

    [Fact]
    public void Each_set_carries_the_scorer_for_its_answers()
    {
        Assert.IsType<ExactMatchScorer>(BenchmarkCatalog.Bamboogle.Scorer);
        Assert.IsType<ExactMatchScorer>(BenchmarkCatalog.MuSiQue.Scorer);
        Assert.IsType<NumericScorer>(BenchmarkCatalog.Amc23.Scorer);
        Assert.IsType<Game24Scorer>(BenchmarkCatalog.GameOf24.Scorer);
    }

    [Fact]
    public void Loading_is_deterministic()
    {
        var first = BenchmarkLoader.Load(BenchmarkCatalog.HotpotQA).Items;
        var second = BenchmarkLoader.Load(BenchmarkCatalog.HotpotQA).Items;

        Assert.Equal(first.Select(i => (i.Id, i.Question, string.Join("|", i.GoldAnswers))),
                     second.Select(i => (i.Id, i.Question, string.Join("|", i.GoldAnswers))));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), first.Select(i => i.Id));
    }

    [Fact]
    public void LoadAll_loads_the_seven_sets_in_catalog_order()
    {
        var sets = BenchmarkLoader.LoadAll();

        Assert.Equal(BenchmarkCatalog.All.Select(b => b.Name), sets.Select(s => s.Name));
        Assert.Equal(995, sets.Sum(s => s.Items.Count));
    }

    [Theory]
    [InlineData("Game of 24", "gameof24")]
    [InlineData("MUSIQUE", "musique")]
    public void The_catalog_finds_sets_by_name_or_display_name(string name, string expected) =>
        Assert.Equal(expected, BenchmarkCatalog.Get(name).Name);

    [Fact]
    public void An_unknown_name_lists_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => BenchmarkCatalog.Get("gsm8k"));

        Assert.Contains("bamboogle", error.Message);
    }

    [Fact]
    public void A_folder_without_the_file_names_both()
    {
        using var folder = new TempFolder();

        var error = Assert.Throws<FileNotFoundException>(() => BenchmarkLoader.Load(BenchmarkCatalog.Aime24, folder.Path));

        Assert.Contains("aime24.json", error.Message);
        Assert.Contains(folder.Path, error.Message);
    }

    [Fact]
    public void A_custom_file_loads_with_its_own_definition()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "mine.json");
        File.WriteAllText(path, """[{"pid": 7, "question": "2+2?", "answer": 4}, {"pid": "x", "query": "3+3?", "answer": ["6", 6.0]}]""");
        var definition = new BenchmarkDefinition("mine", "Mine", "mine.json", BenchmarkTask.Math);

        var set = BenchmarkLoader.Load(definition, folder.Path);

        Assert.Equal(["7", "x"], set.Items.Select(i => i.Id));
        Assert.Equal(["4"], set.Items[0].GoldAnswers);
        Assert.Equal(["6", "6.0"], set.Items[1].GoldAnswers);
        Assert.Equal("3+3?", set.Items[1].Question);
    }

    [Theory]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("""{"pid": 0}""", "expected a JSON array")]
    [InlineData("""[{"pid": 0, "question": "q", "answer": 1}, 5]""", "row 1 of benchmark 'probe': expected a JSON object")]
    [InlineData("""[{"question": "q", "answer": 1}]""", "row 0 of benchmark 'probe': missing 'pid'")]
    [InlineData("""[{"pid": 0, "answer": 1}]""", "row 0 of benchmark 'probe': missing 'question'")]
    [InlineData("""[{"pid": 0, "query": 5, "answer": 1}]""", "'query' must be a non-empty string")]
    [InlineData("""[{"pid": 0, "question": "q"}]""", "missing 'answer'")]
    [InlineData("""[{"pid": 0, "question": "q", "answer": []}]""", "'answer' is an empty list")]
    [InlineData("""[{"pid": 0, "question": "q", "answer": [{"a": 1}]}]""", "'answer' must be a non-empty string, a number, or a list of them")]
    [InlineData("""[{"pid": 0, "question": "q", "answer": "five"}]""", "'answer' must be a number for a math benchmark")]
    [InlineData("""[{"pid": 0, "question": "q", "answer": 1}, {"pid": "0", "question": "q", "answer": 2}]""", "row 1: 'pid' 0 repeats")]
    public void Malformed_math_files_name_the_file_the_row_and_the_field(string json, string message) =>
        AssertMalformed(new BenchmarkDefinition("probe", "Probe", "probe.json", BenchmarkTask.Math), json, message);

    [Theory]
    [InlineData("""[{"pid": 0, "query": "q", "answer": ["1+1"]}]""", "missing 'question'")]
    [InlineData("""[{"pid": 0, "query": "q", "question": "1 1 1 8", "answer": ["1+1"]}]""", "'question' must be the puzzle's list of numbers")]
    [InlineData("""[{"pid": 0, "query": "q", "question": [1, 1.5], "answer": ["1+1"]}]""", "'question' must hold non-negative integers")]
    [InlineData("""[{"pid": 0, "question": [1, 2], "answer": ["1+1"]}]""", "missing 'query'")]
    public void Malformed_game_of_24_rows_name_the_field(string json, string message) =>
        AssertMalformed(new BenchmarkDefinition("probe", "Probe", "probe.json", BenchmarkTask.GameOf24), json, message);

    private static void AssertMalformed(BenchmarkDefinition definition, string json, string message)
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, definition.FileName);
        File.WriteAllText(path, json);

        var error = Assert.Throws<InvalidDataException>(() => BenchmarkLoader.Load(definition, folder.Path));

        Assert.Contains(path, error.Message);
        Assert.Contains(message, error.Message);
    }
}
