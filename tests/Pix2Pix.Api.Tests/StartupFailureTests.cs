using System.Net;
using System.Net.Sockets;

namespace Pix2Pix.Api.Tests;

/// <summary>A start the operator's input makes impossible ends with one line and exit code 1, as the real process shows.</summary>
public class StartupFailureTests
{
    [Theory]
    [InlineData("Inference__QueueCapacity", "0", "Inference:QueueCapacity must be at least 1")]
    [InlineData("Inference__QueueCapacity", "many", "Failed to convert configuration value 'many' at 'Inference:QueueCapacity'")]
    [InlineData("Shutdown__GracePeriodSeconds", "-1", "Shutdown:GracePeriodSeconds must be 0 to")]
    public async Task A_setting_that_cannot_work_ends_the_start_with_one_line_naming_it_and_exit_code_1(string key, string value, string expected)
    {
        var (exitCode, output, error) = await ServiceProcess.RunUntilExitAsync(new Dictionary<string, string> { [key] = value }, ServiceProcess.FreePort(), TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);   // not 134, an abort
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("pix2pix-api: ", line);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", output + error);   // no stack trace
    }

    [Fact]
    public async Task An_address_already_in_use_ends_the_start_with_exit_code_1_and_a_line_that_names_it()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, _, error) = await ServiceProcess.RunUntilExitAsync(new Dictionary<string, string>(), port, TimeSpan.FromSeconds(60));

        // The host logs its own "Hosting failed to start" first, with the exception, and a model still being loaded when the
        // process exits can make ONNX Runtime write a line of its own at the end: the operator's line is among them, whole.
        Assert.Equal(1, exitCode);
        Assert.Contains($"pix2pix-api: Failed to bind to address http://127.0.0.1:{port}: address already in use.", error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
