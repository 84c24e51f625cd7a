using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// RNNG007 can only be as good as the generator's list of reserved names (RnnGen.Generator.Model.GeneratedMembers):
/// for every combination of options, each member the generated class declares directly must be on that list, so a
/// user member of the same name is reported by RnnGen rather than left to a compiler error in generated code. The
/// lists are internal to the generator; they are read by reflection so the tests never keep a copy of their own.
/// </summary>
public class GeneratedMembersTests
{
    /// <summary>Models in every shape the options make: cells, stacks, directions, projections, biases, heads, weights.</summary>
    public static TheoryData<string> Models => new()
    {
        "[Lstm(input: 3, hidden: 5)]",
        "[Gru(input: 3, hidden: 5)]",
        "[Lstm(5)]",
        "[Lstm(input: 3, hidden: 5, Layers = 2)]",
        "[Gru(input: 3, hidden: 5, Layers = 2, Dropout = 0.5)]",
        "[Lstm(input: 3, hidden: 5, Bidirectional = true)]",
        "[Gru(input: 3, hidden: 5, Bidirectional = true)]",
        "[Lstm(input: 3, hidden: 5, ProjectionSize = 2)]",
        "[Lstm(input: 3, hidden: 5, Bias = false)]",
        "[Gru(input: 3, hidden: 5, Bias = false)]",
        "[Lstm(input: 3, hidden: 5)] [Dense(input: 5, output: 2)]",
        "[Gru(input: 3, hidden: 5)] [Dense(input: 5, output: 2, Name = \"fc\")]",
        "[Lstm(input: 3, hidden: 5, Layers = 2, Bidirectional = true, ProjectionSize = 2)] [Dense(input: 4, output: 2)]",
        "[Lstm(input: 3, hidden: 5, Layers = 2, Bidirectional = true, ProjectionSize = 2, Bias = false, Dropout = 0.25, Name = \"lstm\")] [Dense(input: 4, output: 2)]",
        "[Gru(input: 3, hidden: 5, Layers = 3, Bidirectional = true, Bias = false)] [Dense(input: 10, output: 2)]",
        "[Gru(input: 3, hidden: 5, Layers = 2, Bias = false)] [Dense(input: 5, output: 1)]",
        "[Lstm(input: 3, hidden: 5, Weights = \"w.safetensors\")]",
        "[Gru(input: 3, hidden: 5, Layers = 2, Bidirectional = true, Weights = \"w.safetensors\", WeightsPrefix = \"m.\")] [Dense(input: 10, output: 2)]",
        "[Lstm(input: 3, hidden: 5, ProjectionSize = 2, Weights = \"w.safetensors\", WeightsLayer = 1)]",
    };

    public static TheoryData<string> DenseLayers => new()
    {
        "[Dense(input: 3, output: 1)]",
        "[Dense(input: 13, output: 5, Name = \"head\")]",
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryMemberAModelDeclaresIsReserved(string attributes)
    {
        string source = Generate(attributes);
        AssertReserved(source, Reserved("Names"));
    }

    [Theory]
    [MemberData(nameof(DenseLayers))]
    public void EveryMemberADenseLayerDeclaresIsReserved(string attributes)
    {
        string source = Generate(attributes);
        AssertReserved(source, Reserved("DenseNames"));
    }

    /// <summary>The other direction: no stale reservations; every reserved name is declared by some model above.</summary>
    [Fact]
    public void EveryReservedNameIsDeclaredBySomeModel()
    {
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (string attributes in Models)
        {
            declared.UnionWith(DeclaredMembers(Generate(attributes)).Names);
        }

        Assert.Empty(Reserved("Names").Except(declared).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryReservedDenseNameIsDeclaredByADenseLayer()
    {
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (string attributes in DenseLayers)
        {
            declared.UnionWith(DeclaredMembers(Generate(attributes)).Names);
        }

        Assert.Empty(Reserved("DenseNames").Except(declared).Order(StringComparer.Ordinal));
    }

    /// <summary>The walk sees every kind of member, and ignores nested types' members and explicit interface implementations.</summary>
    [Fact]
    public void TheWalkFindsEveryKindOfMember()
    {
        (HashSet<string> names, List<string> constructors, List<string> others) = DeclaredMembers("""
            namespace N
            {
                partial class Tagger : System.IDisposable
                {
                    public const int A = 1;
                    private int _b, _c;
                    public int D { get; }
                    public event System.Action? E;
                    public event System.Action F { add { } remove { } }
                    public void G() { }
                    public int this[int i] => i;
                    public Tagger() { }
                    public Tagger(global::System.Random? random) { }
                    static Tagger() { }
                    private sealed class H { public int NotMine; }
                    public delegate void I();
                    public enum J { NotMineEither }
                    public struct K { }
                    public interface L { }
                    public record M;
                    void System.IDisposable.Dispose() { }
                    public static Tagger operator +(Tagger a, Tagger b) => a;
                }
            }
            """);
        Assert.Equal(["A", "D", "E", "F", "G", "H", "I", "Item", "J", "K", "L", "M", "_b", "_c"], names.Order(StringComparer.Ordinal));
        Assert.Equal(["()", "(global::System.Random? random)"], constructors);
        Assert.Equal(["operator +"], others);
    }

    private static void AssertReserved(string source, IReadOnlySet<string> reserved)
    {
        (HashSet<string> names, List<string> constructors, List<string> others) = DeclaredMembers(source);
        Assert.NotEmpty(names);
        Assert.Empty(names.Where(n => !reserved.Contains(n)).Order(StringComparer.Ordinal));

        // RNNG007 reserves the constructors () and (Random) by signature; any other would collide unreported.
        Assert.All(constructors, c => Assert.True(c is "()" or "(global::System.Random? random)", $"Unreserved constructor {c}."));

        // Operators, conversions and finalizers are not covered by name: none may be generated.
        Assert.Empty(others);
    }

    /// <summary>Runs the generator over one class named Tagger with <paramref name="attributes"/> and returns its code.</summary>
    private static string Generate(string attributes)
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using RnnGen;
            namespace Models;
            {{attributes}}
            public partial class Tagger { }
            """);

        // Named weights without a sidecar: RNNG008 (the build-time check), and the code is generated all the same.
        Assert.Empty(run.Diagnostics.Where(d => d.Id != "RNNG008"));
        Assert.Equal(["Models.Tagger.g.cs"], run.HintNames);
        return run.Source("Models.Tagger.g.cs");
    }

    /// <summary>
    /// The members declared directly in the generated partial class Tagger (every part of it in the file): names of
    /// fields, properties, events, methods, indexers ("Item") and nested types, not the members of those types.
    /// Explicit interface implementations are left out: they are not in the class's member-name space, so a user
    /// member cannot collide with them. Constructors are listed by parameter list, anything else by kind.
    /// </summary>
    private static (HashSet<string> Names, List<string> Constructors, List<string> Others) DeclaredMembers(string source)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        Assert.Empty(tree.GetDiagnostics());
        ClassDeclarationSyntax[] parts = [.. tree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>()
            .Where(c => c.Identifier.ValueText == "Tagger" && c.Parent is not TypeDeclarationSyntax)];
        Assert.NotEmpty(parts);

        var names = new HashSet<string>(StringComparer.Ordinal);
        var constructors = new List<string>();
        var others = new List<string>();
        foreach (MemberDeclarationSyntax member in parts.SelectMany(p => p.Members))
        {
            switch (member)
            {
                case BaseFieldDeclarationSyntax field:
                    names.UnionWith(field.Declaration.Variables.Select(v => v.Identifier.ValueText));
                    break;
                case PropertyDeclarationSyntax property:
                    AddUnlessExplicit(property.ExplicitInterfaceSpecifier, property.Identifier.ValueText);
                    break;
                case EventDeclarationSyntax @event:
                    AddUnlessExplicit(@event.ExplicitInterfaceSpecifier, @event.Identifier.ValueText);
                    break;
                case MethodDeclarationSyntax method:
                    AddUnlessExplicit(method.ExplicitInterfaceSpecifier, method.Identifier.ValueText);
                    break;
                case IndexerDeclarationSyntax indexer:
                    AddUnlessExplicit(indexer.ExplicitInterfaceSpecifier, "Item");
                    break;
                case BaseTypeDeclarationSyntax type:
                    names.Add(type.Identifier.ValueText);
                    break;
                case DelegateDeclarationSyntax @delegate:
                    names.Add(@delegate.Identifier.ValueText);
                    break;
                case ConstructorDeclarationSyntax constructor when !constructor.Modifiers.Any(SyntaxKind.StaticKeyword):
                    constructors.Add(constructor.ParameterList.ToString());
                    break;
                case ConstructorDeclarationSyntax:
                    break; // a static constructor takes no name and has no signature to collide with
                case OperatorDeclarationSyntax op:
                    others.Add($"operator {op.OperatorToken.ValueText}");
                    break;
                default:
                    others.Add(member.Kind().ToString());
                    break;
            }
        }

        return (names, constructors, others);

        void AddUnlessExplicit(ExplicitInterfaceSpecifierSyntax? explicitInterface, string name)
        {
            if (explicitInterface is null)
            {
                names.Add(name);
            }
        }
    }

    /// <summary>GeneratedMembers.{field} of the generator assembly (internal, so by reflection).</summary>
    private static IReadOnlySet<string> Reserved(string field)
    {
        Type type = typeof(RnnGenerator).Assembly.GetType("RnnGen.Generator.Model.GeneratedMembers", throwOnError: true)!;
        object? value = type.GetField(field, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)?.GetValue(null);
        Assert.True(value is IEnumerable<string>, $"GeneratedMembers.{field} is not a set of names.");
        var names = new HashSet<string>((IEnumerable<string>)value!, StringComparer.Ordinal);
        Assert.NotEmpty(names);
        return names;
    }
}
