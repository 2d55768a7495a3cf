using System.Diagnostics;

namespace Pix2Pix.Api.Tests;

public class HealthProbeTests
{
    [Fact]
    public async Task The_probe_exits_zero_for_a_ready_service_on_the_port_it_listens_on_and_one_where_nothing_answers()
    {
        using var service = await ServiceProcess.StartAsync();

        var ready = await ProbeAsync(new Dictionary<string, string> { ["ASPNETCORE_URLS"] = service.Url });
        var nothing = await ProbeAsync(new Dictionary<string, string> { ["ASPNETCORE_HTTP_PORTS"] = ServiceProcess.FreePort().ToString() });

        Assert.Equal(0, ready.ExitCode);
        Assert.Contains("answered 200", ready.Output);
        Assert.Equal(1, nothing.ExitCode);
        Assert.Contains("did not answer", nothing.Output);
    }

    private static async Task<(int ExitCode, string Output)> ProbeAsync(Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Pix2Pix.Api.dll"), "--probe"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("ASPNETCORE_HTTP_PORTS");
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var probe = Process.Start(start)!;
        var output = probe.StandardOutput.ReadToEndAsync();
        var error = probe.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await probe.WaitForExitAsync(timeout.Token);
        return (probe.ExitCode, await output + await error);
    }
}
