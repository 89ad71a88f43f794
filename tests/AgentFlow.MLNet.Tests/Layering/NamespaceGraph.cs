using System.Reflection;
using System.Reflection.Emit;

namespace AgentFlow.MLNet.Tests.Layering;

/// <summary>
/// Which namespaces of an assembly use which others, read from the compiled code: member signatures, base types,
/// attributes and every type, method and field token in method bodies (IL), attributed to the namespace of the
/// outermost declaring type (so lambdas and async state machines count for the type that wrote them).
/// </summary>
internal static class NamespaceGraph
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    internal static Dictionary<string, HashSet<string>> Build(Assembly assembly, string rootNamespace)
    {
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            if (Outermost(type).Namespace is { } from && from.StartsWith(rootNamespace, StringComparison.Ordinal))
                graph.TryAdd(from, new HashSet<string>(StringComparer.Ordinal));
        }
        foreach (var edge in Edges(assembly, rootNamespace))
            graph[edge.From].Add(edge.To);
        return graph;
    }

    /// <summary>For each namespace edge, one type that makes it and the type it uses: what a failing test shows.</summary>
    internal static Dictionary<(string From, string To), string> Witnesses(Assembly assembly, string rootNamespace)
    {
        var witnesses = new Dictionary<(string, string), string>();
        foreach (var edge in Edges(assembly, rootNamespace))
            witnesses.TryAdd((edge.From, edge.To), $"{edge.User.Name} uses {edge.Used.Name}");
        return witnesses;
    }

    private static IEnumerable<(string From, string To, Type User, Type Used)> Edges(Assembly assembly, string rootNamespace)
    {
        foreach (var type in assembly.GetTypes())
        {
            var user = Outermost(type);
            if (user.Namespace is not { } from || !from.StartsWith(rootNamespace, StringComparison.Ordinal))
                continue;
            foreach (var referenced in ReferencedTypes(type))
            {
                var used = Outermost(referenced);
                if (used.Namespace is { } to && to != from && to.StartsWith(rootNamespace, StringComparison.Ordinal))
                    yield return (from, to, user, used);
            }
        }
    }

    /// <summary>Strongly connected components with more than one namespace: each is a cycle.</summary>
    internal static List<List<string>> Cycles(Dictionary<string, HashSet<string>> graph)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var cycles = new List<List<string>>();
        int counter = 0;
        foreach (string node in graph.Keys)
        {
            if (!index.ContainsKey(node))
                Visit(node);
        }
        return cycles;

        void Visit(string node)
        {
            index[node] = low[node] = counter++;
            stack.Push(node);
            onStack.Add(node);
            foreach (string next in graph.GetValueOrDefault(node) ?? [])
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], index[next]);
                }
            }
            if (low[node] != index[node])
                return;
            var component = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                onStack.Remove(member);
                component.Add(member);
            }
            while (member != node);
            if (component.Count > 1)
                cycles.Add([.. component.Order(StringComparer.Ordinal)]);
        }
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is not null)
            type = type.DeclaringType;
        return type;
    }

    private static IEnumerable<Type> ReferencedTypes(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var found = new List<Type>();
        if (type.BaseType is { } baseType)
            found.Add(baseType);
        found.AddRange(type.GetInterfaces());
        found.AddRange(type.GetCustomAttributesData().Select(a => a.AttributeType));
        foreach (var field in type.GetFields(all))
            found.Add(field.FieldType);
        foreach (var property in type.GetProperties(all))
            found.Add(property.PropertyType);
        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (method is MethodInfo info)
                found.Add(info.ReturnType);
            found.AddRange(method.GetParameters().Select(p => p.ParameterType));
            found.AddRange(BodyReferences(method));
        }
        return found.SelectMany(Expand);
    }

    /// <summary>A type with its element and generic argument types.</summary>
    private static IEnumerable<Type> Expand(Type type)
    {
        if (type.HasElementType)
        {
            foreach (var inner in Expand(type.GetElementType()!))
                yield return inner;
            yield break;
        }
        if (type.IsGenericParameter)
            yield break;
        yield return type;
        if (type.IsGenericType)
        {
            foreach (var argument in type.GetGenericArguments().SelectMany(Expand))
                yield return argument;
        }
    }

    private static IEnumerable<Type> BodyReferences(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (Exception e) when (e is InvalidOperationException or BadImageFormatException)
        {
            yield break;
        }
        if (il is null)
            yield break;
        var genericTypes = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var genericMethods = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int at = 0; at < il.Length;)
        {
            short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            var code = OpCodesByValue[value];
            int size = OperandSize(code, il, at);
            if (code.OperandType is OperandType.InlineType or OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineTok)
            {
                int token = BitConverter.ToInt32(il, at);
                Type? referenced = null;
                try
                {
                    referenced = method.Module.ResolveMember(token, genericTypes, genericMethods) switch
                    {
                        Type t => t,
                        MemberInfo m => m.DeclaringType,
                        _ => null,
                    };
                }
                catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or MissingMemberException)
                {
                    // A token the runtime cannot resolve here (e.g. an open generic in a context we cannot supply).
                }
                if (referenced is not null)
                    yield return referenced;
            }
            at += size;
        }
    }

    private static int OperandSize(OpCode code, byte[] il, int at) => code.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
        _ => 4,
    };
}
