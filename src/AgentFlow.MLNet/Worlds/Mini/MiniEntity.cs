using AgentFlow.MLNet.Tools.Search;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>One fictional entity of the Mini encyclopedia: a name, what it is, and one numeric attribute.</summary>
/// <param name="Name">A generated name that no other entity has (also the document title).</param>
/// <param name="Kind">river, city, mountain, person or invention.</param>
/// <param name="Attribute">The attribute as questions name it ("length in km").</param>
/// <param name="Value">The attribute's value, the gold answer of the entity's fact questions.</param>
public sealed record MiniEntity(string Name, string Kind, string Attribute, int Value)
{
    /// <summary>
    /// The encyclopedia entry. It ends with the value, so the number a search returns last is the fact itself
    /// (the hit's header carries a relevance score before it).
    /// </summary>
    public SearchDocument ToDocument() =>
        new(Name.ToLowerInvariant(), Name, $"{Name} is a {Kind}. The {Attribute} of {Name} is {Value}.");
}
