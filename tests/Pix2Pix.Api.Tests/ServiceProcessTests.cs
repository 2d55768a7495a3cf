using System.Diagnostics;

namespace Pix2Pix.Api.Tests;

/// <summary>The harness that starts the real service for the process-level tests: a failed start must not leak it.</summary>
public sealed class ServiceProcessTests
{
    [Fact]
    public async Task A_service_that_never_becomes_ready_is_stopped_not_left_running()
    {
        var empty = Directory.CreateTempSubdirectory("pix2pix-no-models.");
        try
        {
            // No models: /health/ready never says yes.
            var failed = await Assert.ThrowsAsync<ServiceProcess.NotReadyException>(() => ServiceProcess.StartAsync(
                new Dictionary<string, string> { ["Inference__ModelsFolder"] = empty.FullName }, readyWithin: TimeSpan.FromSeconds(3)));

            Assert.Contains("did not become ready within 3 s", failed.Message);
            Assert.False(Running(failed.ProcessId), $"the service (pid {failed.ProcessId}) is still running after its failed start");
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    private static bool Running(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
