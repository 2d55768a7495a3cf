namespace Pix2Pix.Training.Options;

/// <summary>The reference's --init_type: how convolution weights start.</summary>
public enum InitType { Normal, Xavier, Kaiming, Orthogonal }

/// <summary>The reference's init_weights: convolutions by <see cref="Type"/> scaled by <see cref="Gain"/>, batch-norm gamma N(1, gain), biases 0.</summary>
public sealed record Initialisation(InitType Type = InitType.Normal, double Gain = 0.02);
