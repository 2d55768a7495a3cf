using System.Diagnostics;

namespace Pix2Pix.Api.Tests;

public class HealthProbeTests
{
    [Fact]
    public async Task The_probe_exits_zero_for_a_ready_service_on_the_port_it_listens_on_and_one_where_nothing_answers()
    {
        using var service = await ServiceProcess.StartAsync();

        var port = new Uri(service.Url).Port;
        var ready = await ProbeAsync(new Dictionary<string, string> { ["ASPNETCORE_URLS"] = $"http://+:{port}" });   // as containers set it
        var nothing = await ProbeAsync(new Dictionary<string, string> { ["ASPNETCORE_HTTP_PORTS"] = ServiceProcess.FreePort().ToString() });

        Assert.Equal(0, ready.ExitCode);
        Assert.Contains("answered 200", ready.Output);
        Assert.Equal(1, nothing.ExitCode);
        Assert.Contains("did not answer", nothing.Output);
    }

    [Theory]
    [InlineData("http://+:8080", null, null, "http://127.0.0.1:8080/health/ready")]
    [InlineData("http://*:9000;https://*:9443", null, null, "http://127.0.0.1:9000/health/ready")]
    [InlineData("https://[::]:9443;http://0.0.0.0:9080", null, null, "http://127.0.0.1:9080/health/ready")]
    [InlineData("http://localhost", null, null, "http://127.0.0.1:80/health/ready")]              // no port: the scheme's
    [InlineData("https://+", null, null, "https://127.0.0.1:443/health/ready")]
    [InlineData(null, "8080;9464", null, "http://127.0.0.1:8080/health/ready")]
    [InlineData(null, null, "8443", "https://127.0.0.1:8443/health/ready")]
    [InlineData("", null, null, "http://127.0.0.1:5000/health/ready")]
    public void The_probe_finds_the_service_in_every_form_of_its_listening_settings(string? urls, string? httpPorts, string? httpsPorts, string expected)
    {
        Assert.Equal(expected, Pix2Pix.Api.Extensions.HealthProbe.Target(urls, httpPorts, httpsPorts));
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
