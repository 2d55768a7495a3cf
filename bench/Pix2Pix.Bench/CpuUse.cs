using System.Diagnostics;
using System.Globalization;

namespace Pix2Pix.Bench;

/// <summary>
/// Where the machine's CPU went over an interval: one process's CPU time (user and system) and every core's busy time from
/// /proc/stat, so that what a request costs the service can be told from what the rest of the machine (the load generator,
/// the kernel's work outside the service) spent. Linux only; elsewhere <see cref="Start"/> gives null.
/// </summary>
public sealed class CpuUse
{
    private readonly Process process;
    private readonly TimeSpan processBefore;
    private readonly (double Busy, double Total) machineBefore;

    private CpuUse(Process process, (double Busy, double Total) machine)
    {
        this.process = process;
        process.Refresh();
        processBefore = process.TotalProcessorTime;
        machineBefore = machine;
    }

    /// <summary>Starts counting for <paramref name="process"/>; null where /proc/stat cannot be read.</summary>
    public static CpuUse? Start(Process process) => Machine() is { } machine ? new CpuUse(process, machine) : null;

    /// <summary>CPU milliseconds the process and the whole machine used since <see cref="Start"/>, and the share of the cores that were busy.</summary>
    public (double ProcessMs, double MachineMs, double BusyShare) Stop()
    {
        process.Refresh();
        var processMs = (process.TotalProcessorTime - processBefore).TotalMilliseconds;
        var (busy, total) = Machine() ?? machineBefore;
        var (busyTicks, totalTicks) = (busy - machineBefore.Busy, total - machineBefore.Total);
        return (processMs, busyTicks * TickMilliseconds, totalTicks > 0 ? busyTicks / totalTicks : double.NaN);
    }

    // /proc/stat counts in USER_HZ ticks, 100 a second on every Linux architecture .NET runs on.
    private const double TickMilliseconds = 10;

    // The "cpu" line: user nice system idle iowait irq softirq steal ...; busy is all but idle and iowait.
    private static (double Busy, double Total)? Machine()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal))
                .Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var total = fields.Sum();
            return (total - fields[3] - fields[4], total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
