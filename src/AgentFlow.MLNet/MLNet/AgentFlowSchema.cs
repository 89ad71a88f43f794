using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgentFlow.MLNet.MLNet;

/// <summary>Input-schema checks whose errors name the column, what it was and what was expected.</summary>
internal static class AgentFlowSchema
{
    /// <summary>The text column <paramref name="name"/> of <paramref name="schema"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is missing, a vector, or not text.</exception>
    internal static DataViewSchema.Column RequireText(DataViewSchema schema, string name, string role)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException("inputSchema",
                $"Input column '{name}' (the {role}) was not found; expected a text (string) column. Available columns: {string.Join(", ", schema.Select(c => c.Name))}.");
        if (column.Type is VectorDataViewType vector)
            throw Mismatch(name, role, $"a vector of {vector.ItemType} ({vector})");
        if (column.Type is not TextDataViewType)
            throw Mismatch(name, role, $"{column.Type}");
        return column;
    }

    /// <summary>Checks that <paramref name="shape"/> has the text column <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is missing, a vector, or not text.</exception>
    internal static void RequireText(SchemaShape shape, string name, string role)
    {
        var found = shape.Where(c => c.Name == name).ToList();
        if (found.Count == 0)
        {
            throw new ArgumentOutOfRangeException("inputSchema",
                $"Input column '{name}' (the {role}) was not found; expected a text (string) column. Available columns: {string.Join(", ", shape.Select(c => c.Name))}.");
        }
        var column = found[^1];
        if (column.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw Mismatch(name, role, $"a {column.Kind.ToString().ToLowerInvariant()} of {column.ItemType}");
        if (column.ItemType is not TextDataViewType || column.IsKey)
            throw Mismatch(name, role, column.IsKey ? $"a key of {column.ItemType}" : $"{column.ItemType}");
    }

    private static ArgumentOutOfRangeException Mismatch(string name, string role, string found) =>
        new("inputSchema", $"Input column '{name}' (the {role}) is {found}; expected a single text (string) value per row.");
}
