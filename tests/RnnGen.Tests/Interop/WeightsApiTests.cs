using System.Reflection;
using RnnGen.IO;
using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Interop;

/// <summary>The weight-file members have exactly the promised signatures on generated and reference cells.</summary>
public class WeightsApiTests
{
    public static TheoryData<Type> CellTypes => new() { typeof(Lstm3x5), typeof(Gru64x128), typeof(EmbeddedTagger), typeof(ReferenceLstm<float>), typeof(ReferenceGru<double>) };

    [Theory]
    [MemberData(nameof(CellTypes))]
    public void LoadAndSaveHaveThePromisedSignatures(Type type)
    {
        // void LoadWeights(string path, string prefix = "", bool strict = false, int layer = 0), and so on.
        foreach (Type source in new[] { typeof(string), typeof(Stream), typeof(WeightFile) })
        {
            string first = source == typeof(string) ? "path" : source == typeof(Stream) ? "stream" : "file";
            AssertSignature(type, "LoadWeights", [(source, first, null), (typeof(string), "prefix", ""), (typeof(bool), "strict", false), (typeof(int), "layer", 0)]);
            AssertSignature(type, "SaveWeights", [(source, first, null), (typeof(string), "prefix", ""), (typeof(int), "layer", 0)]);
        }
    }

    [Fact]
    public void OnlyCellsThatNameWeightsGetTheFactory()
    {
        MethodInfo factory = typeof(EmbeddedTagger).GetMethod("FromEmbeddedWeights", BindingFlags.Public | BindingFlags.Static, Type.EmptyTypes)!;
        Assert.Equal(typeof(EmbeddedTagger), factory.ReturnType);
        Assert.Null(typeof(Lstm7x13).GetMethod("FromEmbeddedWeights"));
    }

    [Fact]
    public void TensorNamesFollowPyTorch()
    {
        string[] expected = ["model.rnn.weight_ih_l2", "model.rnn.weight_hh_l2", "model.rnn.bias_ih_l2", "model.rnn.bias_hh_l2"];
        Assert.Equal(expected, CellWeights.TensorNames("model.rnn.", 2));
    }

    private static void AssertSignature(Type type, string name, (Type Type, string Name, object? Default)[] parameters)
    {
        MethodInfo? method = type.GetMethod(name, BindingFlags.Public | BindingFlags.Instance, parameters.Select(p => p.Type).ToArray());
        Assert.True(method is not null, $"{type.Name} has no public {name}({string.Join(", ", parameters.Select(p => p.Type.Name))})");
        Assert.Equal(typeof(void), method!.ReturnType);
        ParameterInfo[] actual = method.GetParameters();
        for (int i = 0; i < parameters.Length; i++)
        {
            Assert.Equal(parameters[i].Name, actual[i].Name);
            Assert.Equal(i > 0, actual[i].IsOptional);
            if (i > 0)
            {
                Assert.Equal(parameters[i].Default, actual[i].DefaultValue);
            }
        }
    }
}
