using System.Globalization;

namespace Pix2Pix.Training.Training;

/// <summary>
/// Every step's losses as CSV (loss_log.csv in the run folder) and a loss-curve PNG drawn from it.
/// On resume the rows after the restored checkpoint's step (steps taken after it was saved) are dropped, so the file tells one story.
/// </summary>
public sealed class LossHistory
{
    public const string CsvName = "loss_log.csv";
    public const string PlotName = "loss_curve.png";
    private static readonly string Header = "epoch,step," + string.Join(',', StepLosses.Names) + ",lr";

    private readonly string csvPath;
    private readonly List<(int Epoch, long Step, StepLosses Losses)> rows = [];

    public LossHistory(string runDirectory, long keepThroughStep)
    {
        csvPath = Path.Combine(runDirectory, CsvName);
        PlotPath = Path.Combine(runDirectory, PlotName);
        Directory.CreateDirectory(runDirectory);
        var kept = new List<string> { Header };
        if (keepThroughStep > 0 && File.Exists(csvPath))
        {
            foreach (var line in File.ReadLines(csvPath).Skip(1))
            {
                var fields = line.Split(',');
                if (fields.Length < 6 || !int.TryParse(fields[0], out var epoch) || !long.TryParse(fields[1], CultureInfo.InvariantCulture, out var step) || step > keepThroughStep) continue;
                kept.Add(line);
                rows.Add((epoch, step, new StepLosses(
                    Parse(fields[2]), Parse(fields[3]), Parse(fields[4]), Parse(fields[5]))));
            }
        }

        AtomicFile.Write(csvPath, p => File.WriteAllLines(p, kept));
    }

    public string PlotPath { get; }

    public IReadOnlyList<(int Epoch, long Step, StepLosses Losses)> Rows => rows;

    public void Add(int epoch, long step, StepLosses losses, double learningRate)
    {
        rows.Add((epoch, step, losses));
        var values = string.Join(',', losses.Values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        File.AppendAllText(csvPath, $"{epoch},{step},{values},{learningRate.ToString("R", CultureInfo.InvariantCulture)}\n");
    }

    public void Plot() => LossCurvePlot.Write(rows.Select(r => (r.Step, r.Losses)).ToArray(), PlotPath);

    private static double Parse(string s) => double.Parse(s, CultureInfo.InvariantCulture);
}
