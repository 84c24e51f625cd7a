namespace RnnGen.Generator.Emitting;

/// <summary>One vector in a buffer: <see cref="Name"/>[<see cref="Offset"/>…].</summary>
internal sealed record VectorOperand(string Name, string Offset = "0");
