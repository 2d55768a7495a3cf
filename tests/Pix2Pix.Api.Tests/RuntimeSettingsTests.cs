namespace Pix2Pix.Api.Tests;

public class RuntimeSettingsTests
{
    [Fact]
    public async Task The_service_process_runs_the_workstation_garbage_collector()
    {
        // A replica has two cores, where the server GC's heap and thread per core served fewer requests (README,
        // "Measured"). Its threads are named ".NET Server GC"; the workstation GC has none of them.
        using var service = await ServiceProcess.StartAsync();

        var threads = Directory.GetDirectories($"/proc/{service.Process.Id}/task")
            .Select(task => File.ReadAllText(Path.Combine(task, "comm")).Trim())
            .ToArray();

        Assert.Contains(".NET BGC", threads);
        Assert.DoesNotContain(".NET Server GC", threads);
    }
}
