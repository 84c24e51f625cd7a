namespace RnnGen.Tests.Infrastructure;

// The two layers of tests/fixtures/safetensors/lstm2_5x8 (a 2-layer nn.LSTM): layer 0 reads 5 features, layer 1 reads layer 0's 8.
[Lstm(input: 5, hidden: 8)] public partial class Lstm5x8;
[Lstm(hidden: 8)] public partial class Lstm8x8;

// The tagger's LSTM with its weights compiled in (see RnnGen.Tests.csproj's RnnGenWeights item): "rnn." in the PyTorch model.
[Lstm(input: 7, hidden: 13, Weights = "tagger.safetensors", WeightsPrefix = "rnn.")] public partial class EmbeddedTagger;
