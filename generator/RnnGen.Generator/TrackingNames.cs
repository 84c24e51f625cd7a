namespace RnnGen.Generator;

/// <summary>Names of the pipeline steps, so tests can assert what each step did on an edit.</summary>
public static class TrackingNames
{
    public const string LstmParsed = nameof(LstmParsed);
    public const string GruParsed = nameof(GruParsed);
    public const string LstmSpecs = nameof(LstmSpecs);
    public const string GruSpecs = nameof(GruSpecs);
    public const string WeightsHeaders = nameof(WeightsHeaders);
    public const string WeightsCheck = nameof(WeightsCheck);
    public const string DenseParsed = nameof(DenseParsed);
    public const string DenseSpecs = nameof(DenseSpecs);
}
