using System.ComponentModel;

namespace RnnGen.Generated;

/// <summary>A model's fixed shape beyond its layers' kernels.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IModelKernels
{
    /// <summary>The model's shape (sizes, dropout, tensor names), which tapes and workspaces are checked against.</summary>
    static abstract ModelShape Shape { get; }

    /// <summary>L.</summary>
    static abstract int Layers { get; }

    /// <summary>D: 1, or 2 when bidirectional.</summary>
    static abstract int Directions { get; }
}
