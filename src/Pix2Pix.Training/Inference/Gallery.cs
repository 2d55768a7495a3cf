using System.Net;
using System.Text;

namespace Pix2Pix.Training.Inference;

/// <summary>The test results page (index.html), one row per image: input | output | target.</summary>
public static class Gallery
{
    public sealed record Row(string Name, string Input, string Output, string? Target);

    public static void Write(string folder, string title, IEnumerable<Row> rows)
    {
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>");
        html.AppendLine($"<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{Encode(title)}</title>");
        html.AppendLine("<style>body{font-family:sans-serif}td{text-align:center;padding:4px}img{width:256px;image-rendering:pixelated}</style></head><body>");
        html.AppendLine($"<h1>{Encode(title)}</h1><table><tr><th>name</th><th>input</th><th>output</th><th>target</th></tr>");
        foreach (var row in rows)
        {
            html.Append($"<tr><td>{Encode(row.Name)}</td><td>{Image(row.Input)}</td><td>{Image(row.Output)}</td>");
            html.AppendLine($"<td>{(row.Target is null ? "" : Image(row.Target))}</td></tr>");
        }

        html.AppendLine("</table></body></html>");
        File.WriteAllText(Path.Combine(folder, "index.html"), html.ToString());
    }

    private static string Image(string relativePath) => $"<img src=\"{Encode(relativePath)}\" alt=\"{Encode(relativePath)}\">";

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
