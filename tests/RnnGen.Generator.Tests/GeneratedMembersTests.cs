using System.Globalization;
using System.Reflection;
using System.Text;
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
    /// <summary>
    /// Every combination of the options that can change what a model declares: kind × Layers × Bidirectional ×
    /// ProjectionSize (LSTM only) × Bias × Dropout (stacks only) × a Dense head × embedded weights × Name × ResetAfter (GRU
    /// only): 384 models.
    /// </summary>
    public static IEnumerable<object[]> Models => ModelAttributes().Select(a => new object[] { a });

    /// <summary>A dense layer's only option is its Name.</summary>
    public static IEnumerable<object[]> DenseLayers => DenseAttributes().Select(a => new object[] { a });

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryMemberAModelDeclaresIsReserved(string attributes)
    {
        AssertReserved(Generated.Value[attributes], Reserved("Names"));
    }

    [Theory]
    [MemberData(nameof(DenseLayers))]
    public void EveryMemberADenseLayerDeclaresIsReserved(string attributes)
    {
        AssertReserved(Generated.Value[attributes], Reserved("DenseNames"));
    }

    /// <summary>The other direction: no stale reservations; every reserved name is declared by some model above.</summary>
    [Fact]
    public void EveryReservedNameIsDeclaredBySomeModel()
    {
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (string attributes in ModelAttributes())
        {
            declared.UnionWith(Generated.Value[attributes].Names);
        }

        Assert.Empty(Reserved("Names").Except(declared).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryReservedDenseNameIsDeclaredByADenseLayer()
    {
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (string attributes in DenseAttributes())
        {
            declared.UnionWith(Generated.Value[attributes].Names);
        }

        Assert.Empty(Reserved("DenseNames").Except(declared).Order(StringComparer.Ordinal));
    }

    /// <summary>LSTM: 2 directions × 2 projections × 2 biases × 2 heads × 2 weights × 2 names × (1 layer + 2 layers × 2 dropouts) = 192; GRU, no projection but 2 ResetAfter: 192.</summary>
    [Fact]
    public void TheCombinationsAreAllThereOnce()
    {
        string[] models = [.. ModelAttributes()];
        Assert.Equal(192 + 192, models.Length);
        Assert.Equal(models.Length, models.Distinct(StringComparer.Ordinal).Count());
    }

    /// <summary>The walk sees every kind of member, and ignores nested types' members and explicit interface implementations.</summary>
    [Fact]
    public void TheWalkFindsEveryKindOfMember()
    {
        (HashSet<string> names, List<string> constructors, List<string> others) = DeclaredMembers("Tagger", """
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

    private static void AssertReserved(Members members, IReadOnlySet<string> reserved)
    {
        (HashSet<string> names, List<string> constructors, List<string> others) = members;
        Assert.NotEmpty(names);
        Assert.Empty(names.Where(n => !reserved.Contains(n)).Order(StringComparer.Ordinal));

        // RNNG007 reserves the constructors () and (Random) by signature; any other would collide unreported.
        Assert.All(constructors, c => Assert.True(c is "()" or "(global::System.Random? random)", $"Unreserved constructor {c}."));

        // Operators, conversions and finalizers are not covered by name: none may be generated.
        Assert.Empty(others);
    }

    private static IEnumerable<string> ModelAttributes()
    {
        bool[] both = [false, true];
        foreach (string kind in new[] { "Lstm", "Gru" })
        foreach (int layers in new[] { 1, 2 })
        foreach (bool bidirectional in both)
        foreach (int projection in kind == "Lstm" ? new[] { 0, 2 } : [0])
        foreach (bool bias in both)
        foreach (double dropout in layers > 1 ? new[] { 0, 0.25 } : [0])
        foreach (bool head in both)
        foreach (bool weights in both)
        foreach (bool named in both)
        foreach (bool resetAfter in kind == "Gru" ? both : [true])
        {
            string?[] options =
            [
                "input: 3",
                "hidden: 5",
                layers != 1 ? $"Layers = {layers}" : null,
                bidirectional ? "Bidirectional = true" : null,
                projection > 0 ? $"ProjectionSize = {projection}" : null,
                bias ? null : "Bias = false",
                dropout > 0 ? $"Dropout = {dropout.ToString(CultureInfo.InvariantCulture)}" : null,
                weights ? "Weights = \"w.safetensors\"" : null,
                named ? $"Name = \"{kind.ToLowerInvariant()}\"" : null,
                resetAfter ? null : "ResetAfter = false",
            ];
            string attributes = $"[{kind}({string.Join(", ", options.OfType<string>())})]";
            if (head)
            {
                int features = (projection > 0 ? projection : 5) * (bidirectional ? 2 : 1);
                attributes += $" [Dense(input: {features}, output: 2{(named ? ", Name = \"fc\"" : "")})]";
            }

            yield return attributes;
        }
    }

    private static IEnumerable<string> DenseAttributes() =>
        ["[Dense(input: 3, output: 1)]", "[Dense(input: 13, output: 5, Name = \"head\")]"];

    /// <summary>
    /// Every combination above as a class of its own (M0, M1, …) in one compilation, generated by one run: 386 runs of
    /// their own would take minutes.
    /// </summary>
    private static readonly Lazy<Dictionary<string, Members>> Generated = new(() =>
    {
        string[] attributes = [.. ModelAttributes().Concat(DenseAttributes())];
        var source = new StringBuilder("using RnnGen;\nnamespace Models;\n");
        for (int i = 0; i < attributes.Length; i++)
        {
            source.Append(CultureInfo.InvariantCulture, $"{attributes[i]}\npublic partial class M{i} {{ }}\n");
        }

        GeneratorRun run = GeneratorHarness.Run(source.ToString());

        // Named weights without a sidecar: RNNG008 (the build-time check), and the code is generated all the same.
        Assert.Empty(run.Diagnostics.Where(d => d.Id != "RNNG008"));
        Assert.Equal(attributes.Length, run.HintNames.Length);
        return attributes
            .Select((a, i) => (a, Members: DeclaredMembers($"M{i}", run.Source($"Models.M{i}.g.cs"))))
            .ToDictionary(x => x.a, x => x.Members, StringComparer.Ordinal);
    });

    /// <summary>What one class declares: member names, constructors by parameter list, and members of any other kind.</summary>
    private sealed record Members(HashSet<string> Names, List<string> Constructors, List<string> Others);

    /// <summary>
    /// The members declared directly in the partial class <paramref name="className"/> (every part of it in the file): names of
    /// fields, properties, events, methods, indexers ("Item") and nested types, not the members of those types.
    /// Explicit interface implementations are left out: they are not in the class's member-name space, so a user
    /// member cannot collide with them. Constructors are listed by parameter list, anything else by kind.
    /// </summary>
    private static Members DeclaredMembers(string className, string source)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        Assert.Empty(tree.GetDiagnostics());
        ClassDeclarationSyntax[] parts = [.. tree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>()
            .Where(c => c.Identifier.ValueText == className && c.Parent is not TypeDeclarationSyntax)];
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

        return new Members(names, constructors, others);

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
