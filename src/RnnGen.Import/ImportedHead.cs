namespace RnnGen.Import;

/// <summary>The linear head found right after the recurrent stack: <c>y = W·h + b</c>, PyTorch's <c>nn.Linear(InputSize, OutputSize, bias: Bias)</c>.</summary>
/// <param name="InputSize">Features it reads per step: the stack's output width (H, or 2·H when bidirectional).</param>
/// <param name="OutputSize">Outputs per step.</param>
/// <param name="Bias">Whether it adds a bias.</param>
public sealed record ImportedHead(int InputSize, int OutputSize, bool Bias);
