namespace RnnGen.Generator.Emitting;

/// <summary>
/// A row-major weight matrix inside the parameters: <see cref="Gates"/> blocks of <see cref="RowsName"/> rows each, of
/// <see cref="Columns"/> columns (the constant <see cref="ColumnsName"/>), starting at the parameter offset <see cref="Offset"/>.
/// </summary>
internal sealed record MatrixOperand(string Offset, int Gates, int Columns, string ColumnsName, string RowsName = "HiddenSize");
