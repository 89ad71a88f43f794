using AgentFlow.MLNet.Tools.Search;

namespace AgentFlow.MLNet.Tests.Tools;

public class LuceneSearchIndexTests
{
    [Theory]
    [InlineData("What is the capital of France?", "paris")]
    [InlineData("boiling point at altitude", "water")]
    [InlineData("Who created the Python programming language?", "python")]
    [InlineData("Nobel prizes won by Curie", "curie")]
    [InlineData("highest mountains", "everest")]
    public void The_relevant_document_ranks_first(string query, string expectedId)
    {
        using var index = LuceneSearchIndex.Build(TestCorpus.Documents);

        var hits = index.Search(query, 3);

        Assert.Equal(expectedId, hits[0].Id);
        Assert.True(hits[0].Score > 0);
        Assert.Equal(hits.OrderByDescending(hit => hit.Score), hits);
    }

    [Fact]
    public void A_hit_carries_the_title_and_the_passage_text()
    {
        using var index = LuceneSearchIndex.Build(TestCorpus.Documents);

        var hit = index.Search("Eiffel Tower", 1).Single();

        Assert.Equal(new SearchHit("paris", "Paris", TestCorpus.Documents[0].Text, hit.Score), hit);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void At_most_k_hits_are_returned(int k)
    {
        using var index = LuceneSearchIndex.Build(TestCorpus.Documents);

        Assert.Equal(k, index.Search("capital city sea level Nobel language", k).Count);
    }

    [Fact]
    public void A_count_beyond_the_index_size_returns_every_match_without_reserving_room_for_the_count()
    {
        using var index = LuceneSearchIndex.Build(TestCorpus.Documents);

        Assert.Equal(2, index.Search("capital", int.MaxValue).Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("the of and is")]
    [InlineData("*?~^")]
    public void A_query_without_searchable_words_finds_nothing(string query)
    {
        using var index = LuceneSearchIndex.Build(TestCorpus.Documents);

        Assert.Empty(index.Search(query, 5));
    }

    [Theory]
    [InlineData("title:(Eiffel AND", "paris")]
    [InlineData("\"Marie Curie\" OR Nobel~2 AND NOT", "curie")]
    [InlineData("Everest^10 [mountain TO {high} \\ / ! - +", "everest")]
    [InlineData("AND OR NOT Berlin", "berlin")]
    public void Query_syntax_characters_are_plain_text(string query, string expectedId)
    {
        using var index = LuceneSearchIndex.Build(TestCorpus.Documents);

        Assert.Equal(expectedId, index.Search(query, 1).Single().Id);
    }

    [Fact]
    public void Long_documents_are_split_into_passages_and_the_matching_one_is_returned()
    {
        string filler = string.Join(' ', Enumerable.Repeat("lorem ipsum dolor", 20));
        var document = new SearchDocument("long", "A long document", $"{filler} The secret ingredient is cardamom. {filler}");
        using var index = LuceneSearchIndex.Build([document], options: new SearchIndexOptions { PassageWords = 25 });

        var hit = index.Search("secret ingredient", 1).Single();

        Assert.Equal(5, index.PassageCount); // 126 words in passages of 25
        Assert.Contains("cardamom", hit.Snippet);
        Assert.True(hit.Snippet.Split(' ').Length <= 25);
    }

    [Fact]
    public void An_index_written_to_a_folder_reopens_with_the_same_results()
    {
        using var corpus = new TestCorpus();
        string folder = corpus.Path("index");
        IReadOnlyList<SearchHit> before;
        using (var built = LuceneSearchIndex.Build(TestCorpus.Documents, folder))
            before = built.Search("capital city", 3);

        using var reopened = LuceneSearchIndex.Open(folder);

        Assert.Equal(TestCorpus.Documents.Length, reopened.PassageCount);
        Assert.Equal(before, reopened.Search("capital city", 3));
    }

    [Fact]
    public void Building_into_a_folder_again_replaces_the_old_index()
    {
        using var corpus = new TestCorpus();
        string folder = corpus.Path("index");
        LuceneSearchIndex.Build(TestCorpus.Documents, folder).Dispose();

        using var rebuilt = LuceneSearchIndex.Build([new SearchDocument("only", "Only", "A single document about tea.")], folder);

        Assert.Equal(1, rebuilt.PassageCount);
        Assert.Empty(rebuilt.Search("Paris", 5));
    }

    [Fact]
    public void Opening_a_folder_without_an_index_says_so()
    {
        using var corpus = new TestCorpus();

        var empty = Assert.Throws<InvalidDataException>(() => LuceneSearchIndex.Open(corpus.Folder));
        Assert.Contains("holds no search index", empty.Message);
        Assert.Throws<DirectoryNotFoundException>(() => LuceneSearchIndex.Open(corpus.Path("missing")));
    }
}
