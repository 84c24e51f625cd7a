namespace RnnGen.Import.Onnx;

/// <summary>The linear layer found on the stack's output sequence: a Gemm, or a MatMul (and the Add of its bias, if any).</summary>
internal sealed record OnnxHead(OnnxNode Product, OnnxNode? BiasAdd)
{
    public string Kind => Product.OpType + (BiasAdd is null ? "" : "+Add");
}
