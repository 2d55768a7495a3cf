namespace Pix2Pix.Training.Training;

/// <summary>
/// Gives ScottPlot a font file to draw text with. Skia's dependency-free native build finds no system fonts by
/// itself, so without this the plots come out with no labels, ticks or legend text.
/// </summary>
public static class PlotFonts
{
    private static readonly Lazy<bool> Registered = new(Register);

    public static void Ensure() => _ = Registered.Value;

    private static bool Register()
    {
        string[] candidates = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "C:\\Windows\\Fonts\\arial.ttf", "/System/Library/Fonts/Supplemental/Arial.ttf"];
        var file = candidates.FirstOrDefault(File.Exists);
        if (file is null) return false;
        const string name = "Pix2Pix plot font";
        ScottPlot.Fonts.AddFontFile(name, file);
        // Titles and axis labels are bold: without a bold face of the family they are not drawn at all.
        var bold = file.Replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf").Replace("-Regular.ttf", "-Bold.ttf").Replace("arial.ttf", "arialbd.ttf").Replace("Arial.ttf", "Arial Bold.ttf");
        ScottPlot.Fonts.AddFontFile(name, File.Exists(bold) ? bold : file, bold: true);
        ScottPlot.Fonts.Default = name;
        return true;
    }
}
