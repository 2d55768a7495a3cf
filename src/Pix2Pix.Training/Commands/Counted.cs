namespace Pix2Pix.Training.Commands;

/// <summary>"1 image", "2 images": counts as a person writes them.</summary>
internal static class Counted
{
    public static string Of(int count, string noun, string? plural = null) => $"{count} {(count == 1 ? noun : plural ?? noun + "s")}";
}
