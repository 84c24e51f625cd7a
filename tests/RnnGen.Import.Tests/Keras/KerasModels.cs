namespace RnnGen.Import.Tests.Keras;

// The RnnGen classes the Keras fixtures declare (each fixture's "declaration").
[Lstm(input: 3, hidden: 4)] public partial class KerasLstm;
[Lstm(input: 3, hidden: 4, Bias = false)] public partial class KerasLstmNoBias;
[Gru(input: 3, hidden: 4)] public partial class KerasGru;
[Gru(input: 3, hidden: 4, ResetAfter = false)] public partial class KerasGruResetBefore;
[Lstm(input: 3, hidden: 4, Bidirectional = true), Dense(input: 8, output: 2)] public partial class KerasBiLstmDense;
[Gru(input: 3, hidden: 4, Layers = 2)] public partial class KerasGruStacked;
[Gru(input: 3, hidden: 4, Bidirectional = true), Dense(input: 8, output: 2)] public partial class KerasBiGruDense;
[Lstm(input: 3, hidden: 4, Layers = 2), Dense(input: 4, output: 2)] public partial class KerasLstmStackedDense;
[Lstm(input: 3, hidden: 4), Dense(input: 4, output: 2)] public partial class KerasLstmDense;
[Gru(input: 3, hidden: 4), Dense(input: 4, output: 2)] public partial class KerasGruDense;

/// <summary>A new generated model of each fixture's declared shape.</summary>
public static class KerasModels
{
    public static IRecurrentModel<float> Create(string file) => Path.GetFileNameWithoutExtension(file) switch
    {
        "k3_lstm" or "k3_lstm_float16" or "tfk_lstm" => new KerasLstm(),
        "k3_lstm_nobias" => new KerasLstmNoBias(),
        "k3_gru" or "k3_gru_float64" => new KerasGru(),
        "k3_gru_reset_before" or "k2_gru_reset_before" => new KerasGruResetBefore(),
        "k3_bilstm_dense" => new KerasBiLstmDense(),
        "k3_gru_stacked" => new KerasGruStacked(),
        "tfk_bigru_dense" => new KerasBiGruDense(),
        "k2_lstm_stacked_dense" => new KerasLstmStackedDense(),
        "k3_lstm_td_dense" => new KerasLstmDense(),
        "tfk_gru_td_dense" => new KerasGruDense(),
        _ => throw new ArgumentException($"no class declared for the fixture {file}", nameof(file)),
    };
}
