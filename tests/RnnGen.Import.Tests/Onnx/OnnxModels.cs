namespace RnnGen.Import.Tests.Onnx;

// One generated class per valid fixture of tests/fixtures/import/make_onnx_fixtures.py, declared as the importer's
// Declaration says (OnnxParityTests checks that it does).
[Lstm(input: 3, hidden: 5)] public partial class OnnxLstm;
[Lstm(input: 3, hidden: 4, Layers = 2, Bidirectional = true)] public partial class OnnxLstmL2Bi;
[Gru(input: 3, hidden: 5, Layers = 2)] public partial class OnnxGruL2;
[Gru(input: 3, hidden: 4, Bidirectional = true), Dense(input: 8, output: 2)] public partial class OnnxGruBiHead;
[Lstm(input: 3, hidden: 4), Dense(input: 4, output: 2)] public partial class OnnxLstmGemmHead;
[Gru(input: 3, hidden: 4), Dense(input: 4, output: 2)] public partial class OnnxGruBatchFirstHead;
[Lstm(input: 3, hidden: 4, Layers = 2)] public partial class OnnxLstmStateInput;
[Lstm(input: 3, hidden: 4)] public partial class OnnxLstmZeroInitialH;
