namespace LstmVsGru;

/// <summary>What every model of a run is trained with: the same for both cells.</summary>
public sealed record Settings(int Hidden, int Updates, int BatchSize, double LearningRate, double ClipNorm, int Seed);
