using Lucene.Net.Analysis;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;
using LuceneDirectory = Lucene.Net.Store.Directory;

namespace AgentFlow.MLNet.Tools.Search;

/// <summary>
/// A BM25 full-text index of a local corpus, built with Lucene.Net. Documents are split into passages of
/// <see cref="SearchIndexOptions.PassageWords"/> words; a search returns the best passages with their
/// document's id and title. Text is analysed in English (lower case, stop words, Porter stemming); the title
/// is searched alongside the text with double weight. Queries are free text, never Lucene query syntax:
/// they are analysed into terms and OR-ed, so quotes, colons or <c>AND</c> written by a model are just words.
/// An index lives in a folder (reopened with <see cref="Open"/>) or, for small corpora and tests, in memory.
/// Searching is thread-safe.
/// </summary>
public sealed class LuceneSearchIndex : ISearchProvider, IDisposable
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private const string IdField = "id";
    private const string TitleField = "title";
    private const string TextField = "text";
    private const string FormatKey = "agentflow.search.format";
    private const string FormatValue = "1";

    /// <summary>A title names what its whole document is about, so a match there counts twice.</summary>
    private const float TitleBoost = 2f;

    /// <summary>BooleanQuery allows 1024 clauses; each term makes two (title and text).</summary>
    private const int MaxQueryTerms = 256;

    private readonly LuceneDirectory directory;
    private readonly DirectoryReader reader;
    private readonly IndexSearcher searcher;
    private readonly Analyzer analyzer;

    private LuceneSearchIndex(LuceneDirectory directory)
    {
        this.directory = directory;
        analyzer = CreateAnalyzer();
        reader = DirectoryReader.Open(directory);
        searcher = new IndexSearcher(reader) { Similarity = new BM25Similarity() };
    }

    /// <summary>How many passages the index holds.</summary>
    public int PassageCount => reader.NumDocs;

    /// <summary>Indexes <paramref name="documents"/>, replacing any index in <paramref name="indexFolder"/>, and opens the result.</summary>
    /// <param name="documents">The corpus, for example from <see cref="SearchCorpus.Read"/>.</param>
    /// <param name="indexFolder">Where the index is written; null keeps it in memory (for small corpora).</param>
    /// <param name="options">How documents are split; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="SearchIndexOptions.PassageWords"/> is below 10.</exception>
    public static LuceneSearchIndex Build(IEnumerable<SearchDocument> documents, string? indexFolder = null, SearchIndexOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(documents);
        options ??= new SearchIndexOptions();
        if (options.PassageWords < 10)
            throw new ArgumentOutOfRangeException(nameof(options), options.PassageWords, $"{nameof(SearchIndexOptions.PassageWords)} must be at least 10.");

        LuceneDirectory directory = indexFolder is null ? new RAMDirectory() : FSDirectory.Open(indexFolder);
        try
        {
            using (var analyzer = CreateAnalyzer())
            using (var writer = new IndexWriter(directory, new IndexWriterConfig(Version, analyzer)
            {
                OpenMode = OpenMode.CREATE,
                Similarity = new BM25Similarity(),
            }))
            {
                foreach (var document in documents)
                {
                    foreach (string passage in Passages(document.Text, options.PassageWords))
                        writer.AddDocument(ToLucene(document, passage));
                }
                writer.SetCommitData(new Dictionary<string, string> { [FormatKey] = FormatValue });
                writer.Commit();
            }
            return new LuceneSearchIndex(directory);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Opens an index that <see cref="Build"/> wrote to <paramref name="indexFolder"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The folder holds no index, or not one written by <see cref="Build"/>.</exception>
    public static LuceneSearchIndex Open(string indexFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(indexFolder);
        if (!System.IO.Directory.Exists(indexFolder))
            throw new DirectoryNotFoundException($"No search index folder at {indexFolder}.");
        var directory = FSDirectory.Open(indexFolder);
        try
        {
            if (!DirectoryReader.IndexExists(directory))
                throw new InvalidDataException($"{indexFolder} holds no search index.");
            var commit = DirectoryReader.ListCommits(directory)[^1];
            if (!commit.UserData.TryGetValue(FormatKey, out string? format) || format != FormatValue)
                throw new InvalidDataException($"{indexFolder} holds a Lucene index that was not built by {nameof(LuceneSearchIndex)} (format {FormatValue} expected).");
            return new LuceneSearchIndex(directory);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>The best <paramref name="count"/> passages for <paramref name="query"/>; none for a query with no searchable words.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1.</exception>
    public IReadOnlyList<SearchHit> Search(string query, int count)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var terms = Analyze(query);
        if (terms.Count == 0)
            return [];

        var boolean = new BooleanQuery();
        foreach (string term in terms)
        {
            boolean.Add(new TermQuery(new Term(TextField, term)), Occur.SHOULD);
            boolean.Add(new TermQuery(new Term(TitleField, term)) { Boost = TitleBoost }, Occur.SHOULD);
        }
        // Lucene sizes its result queue by the count asked for, so it is bounded by what the index holds.
        return [.. searcher.Search(boolean, Math.Min(count, Math.Max(1, reader.MaxDoc))).ScoreDocs.Select(ToHit)];
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int count, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Search(query, count));
    }

    /// <summary>Closes the index.</summary>
    public void Dispose()
    {
        reader.Dispose();
        analyzer.Dispose();
        directory.Dispose();
    }

    private SearchHit ToHit(ScoreDoc scoreDoc)
    {
        var document = searcher.Doc(scoreDoc.Doc);
        return new SearchHit(document.Get(IdField), document.Get(TitleField) ?? "", document.Get(TextField), Math.Round(scoreDoc.Score, 4));
    }

    /// <summary>The query's distinct analysed terms, in order, at most <see cref="MaxQueryTerms"/>.</summary>
    private List<string> Analyze(string query)
    {
        var terms = new List<string>();
        using var stream = analyzer.GetTokenStream(TextField, query);
        var term = stream.AddAttribute<ICharTermAttribute>();
        stream.Reset();
        while (stream.IncrementToken() && terms.Count < MaxQueryTerms)
        {
            string text = term.ToString();
            if (!terms.Contains(text))
                terms.Add(text);
        }
        stream.End();
        return terms;
    }

    private static Document ToLucene(SearchDocument source, string passage) =>
    [
        new StringField(IdField, source.Id, Field.Store.YES),
        new Lucene.Net.Documents.TextField(TitleField, source.Title, Field.Store.YES),
        new Lucene.Net.Documents.TextField(TextField, passage, Field.Store.YES),
    ];

    /// <summary>Splits text into runs of at most <paramref name="words"/> words; a text without words yields nothing.</summary>
    internal static IEnumerable<string> Passages(string text, int words)
    {
        string[] all = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        for (int start = 0; start < all.Length; start += words)
            yield return string.Join(' ', all, start, Math.Min(words, all.Length - start));
    }

    private static Analyzer CreateAnalyzer() => new EnglishAnalyzer(Version);
}
