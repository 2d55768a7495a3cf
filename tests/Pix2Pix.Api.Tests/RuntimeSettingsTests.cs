namespace Pix2Pix.Api.Tests;

public class RuntimeSettingsTests
{
    [Fact]
    public async Task The_service_process_runs_the_workstation_garbage_collector_unless_told_otherwise()
    {
        // A replica has two cores, where the server GC's heap and thread per core served fewer requests (README,
        // "Measured"). Its threads are named ".NET Server GC" and made at start-up; the workstation GC has none of them.
        // (Its background GC thread, ".NET BGC", comes and goes with background collections, so it proves nothing.)
        using (var service = await ServiceProcess.StartAsync()) Assert.DoesNotContain(".NET Server GC", ThreadNames(service));

        // The check itself: the documented switch back to the server GC shows up in the same place.
        using var server = await ServiceProcess.StartAsync(new Dictionary<string, string> { ["DOTNET_gcServer"] = "1" });
        Assert.Contains(".NET Server GC", ThreadNames(server));
    }

    private static string[] ThreadNames(ServiceProcess service) =>
        Directory.GetDirectories($"/proc/{service.Process.Id}/task")
            .Select(task =>
            {
                try
                {
                    return File.ReadAllText(Path.Combine(task, "comm")).Trim();
                }
                catch (IOException)
                {
                    return "";   // the thread ended after it was listed
                }
            })
            .ToArray();
}
