using System.Globalization;
using System.Text;

namespace Pix2Pix.Bench;

/// <summary>docs/PERFORMANCE.md as it is built: sections of prose and tables, echoed to the console as they come.</summary>
public sealed class Report
{
    private readonly StringBuilder text = new();

    public void Heading(string title)
    {
        Line();
        Line($"## {title}");
        Line();
    }

    public void Line(string line = "")
    {
        text.AppendLine(line);
        Console.WriteLine(line);
    }

    public void Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        Line($"| {string.Join(" | ", header)} |");
        Line($"|{string.Concat(header.Select(_ => " --- |"))}");
        foreach (var row in rows) Line($"| {string.Join(" | ", row)} |");
    }

    public static string F(double value, int decimals = 1) =>
        double.IsNaN(value) ? "–" : value.ToString("N" + decimals, CultureInfo.InvariantCulture);

    public void Save(string path) => File.WriteAllText(path, text.ToString());
}
