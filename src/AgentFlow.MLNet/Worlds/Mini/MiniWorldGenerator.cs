using System.Globalization;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>
/// Draws the entities and questions of a <see cref="MiniWorld"/> from one seeded <see cref="Random"/> (whose
/// seeded sequence .NET keeps stable), so a seed reproduces the world exactly. Every question gets entities of its
/// own and every math question a pair of numbers of its own, so no two questions (let alone splits) share either.
/// </summary>
internal sealed class MiniWorldGenerator(int seed)
{
    private static readonly (string Kind, string Attribute, int Min, int Max)[] Kinds =
    [
        ("river", "length in km", 40, 4000),
        ("city", "population", 2000, 90000),
        ("mountain", "height in m", 300, 8800),
        ("person", "birth year", 1200, 1990),
        ("invention", "year of invention", 1300, 2020),
    ];

    private static readonly string[] Onsets = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "th", "sh", "dr", "kr"];
    private static readonly string[] Vowels = ["a", "e", "i", "o", "u", "ae", "io"];
    private static readonly string[] Codas = ["", "", "n", "r", "l", "th"];
    private static readonly (string Item, string Box)[] Packages = [("jars", "crates"), ("books", "shelves"), ("seeds", "sacks"), ("coins", "chests"), ("bricks", "pallets")];

    private readonly Random _random = new(seed);
    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<(int, int)> _pairs = [];
    private readonly HashSet<string> _questions = new(StringComparer.Ordinal);

    internal List<MiniEntity> Entities { get; } = [];

    /// <summary>A split of <paramref name="count"/> questions: the families in turn, the two phrasings alternating within each.</summary>
    internal List<MiniQuestion> Split(int count)
    {
        var split = new List<MiniQuestion>(count);
        for (int i = 0; i < count; i++)
        {
            string family = MiniFamilies.All[i % MiniFamilies.All.Count];
            int phrasing = i / MiniFamilies.All.Count % 2;
            MiniQuestion question;
            do
                question = Question(family, phrasing);
            while (!_questions.Add(question.Question));
            split.Add(question);
        }
        return split;
    }

    /// <summary>An entity no question asks about.</summary>
    internal void Distractor() => Entity();

    private MiniQuestion Question(string family, int phrasing)
    {
        if (family == MiniFamilies.Math)
            return MathQuestion(phrasing);
        var entity = Entity();
        string subject = $"the {entity.Attribute} of the {entity.Kind} {entity.Name}";
        if (family == MiniFamilies.Search)
        {
            string text = phrasing == 0 ? $"What is {subject}?" : $"How much is {subject}?";
            return new MiniQuestion(text, Text(entity.Value), family, phrasing) { Entity = entity };
        }
        if (phrasing == 0)
        {
            int offset = _random.Next(100, 1000);
            return new MiniQuestion($"What is {subject} plus {offset}?", Text(entity.Value + offset), family, phrasing) { Entity = entity, Calculation = "{0}+" + Text(offset) };
        }
        int factor = _random.Next(2, 10);
        return new MiniQuestion($"What is {factor} times {subject}?", Text((long)entity.Value * factor), family, phrasing) { Entity = entity, Calculation = "{0}*" + Text(factor) };
    }

    private MiniQuestion MathQuestion(int phrasing)
    {
        int perBox, boxes;
        do
        {
            perBox = _random.Next(12, 1000);
            boxes = _random.Next(3, 100);
        }
        while (!_pairs.Add((perBox, boxes)));
        var (item, box) = Packages[_random.Next(Packages.Length)];
        string text = phrasing == 0
            ? $"One of the {box} holds {perBox} {item}. How many {item} do {boxes} {box} hold?"
            : $"What is the number of {item} in {boxes} {box} of {perBox} {item} each?";
        return new MiniQuestion(text, Text((long)perBox * boxes), MiniFamilies.Math, phrasing) { Calculation = $"{Text(perBox)}*{Text(boxes)}" };
    }

    private MiniEntity Entity()
    {
        var (kind, attribute, min, max) = Kinds[_random.Next(Kinds.Length)];
        var entity = new MiniEntity(Name(), kind, attribute, _random.Next(min, max + 1));
        Entities.Add(entity);
        return entity;
    }

    private string Name()
    {
        while (true)
        {
            int syllables = _random.Next(2, 4);
            var name = string.Concat(Enumerable.Range(0, syllables).Select(_ => Onsets[_random.Next(Onsets.Length)] + Vowels[_random.Next(Vowels.Length)]))
                + Codas[_random.Next(Codas.Length)];
            name = char.ToUpperInvariant(name[0]) + name[1..];
            if (_names.Add(name))
                return name;
        }
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
