namespace Pix2Pix.Training.Training;

/// <summary>The four losses the reference reports: G_GAN, G_L1 (already multiplied by λ), D_real, D_fake.</summary>
public readonly record struct StepLosses(double GGan, double GL1, double DReal, double DFake)
{
    public static readonly string[] Names = ["G_GAN", "G_L1", "D_real", "D_fake"];

    public double[] Values => [GGan, GL1, DReal, DFake];

    public bool AreNumbers => Values.All(double.IsFinite);

    public override string ToString() => string.Join(" ", Names.Zip(Values, (name, value) => $"{name} {value:G4}"));
}
