namespace Pix2Pix.Training.Data;

/// <summary>One prepared training example: the condition (A) and the target (B), planar in [-1, 1].</summary>
public sealed record AlignedPair(string Path, float[] A, float[] B, int Height, int Width);
