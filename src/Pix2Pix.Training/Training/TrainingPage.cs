using System.Net;

namespace Pix2Pix.Training.Training;

/// <summary>The reference's web/index.html in the run folder: each epoch's samples (input | output | target), newest first.</summary>
public static class TrainingPage
{
    public static string Write(string runDirectory, string runName)
    {
        var samples = Path.Combine(runDirectory, "samples");
        var epochs = Directory.Exists(samples)
            ? Directory.GetFiles(samples, "epoch_*.png").Select(Path.GetFileName).Order(StringComparer.Ordinal).Reverse().ToArray()
            : [];
        var name = WebUtility.HtmlEncode(runName);
        var rows = string.Concat(epochs.Select(file =>
        {
            var epoch = int.Parse(file![6..^4], System.Globalization.CultureInfo.InvariantCulture);
            return $"<h3>epoch {epoch}</h3>\n<img src=\"../samples/{file}\" alt=\"epoch {epoch}: input | output | target\">\n";
        }));
        var page = $"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name}</title>\n"
            + "<style>body{font-family:sans-serif;margin:1em}img{image-rendering:pixelated;max-width:100%}</style></head>\n"
            + $"<body><h1>{name}</h1>\n<p>input | output | target, from the last batch of each epoch.</p>\n{rows}</body></html>\n";
        var path = Path.Combine(runDirectory, "web", "index.html");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, page);
        return path;
    }
}
