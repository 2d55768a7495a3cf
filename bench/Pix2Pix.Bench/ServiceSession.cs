using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Pix2Pix.Api.Inference;

namespace Pix2Pix.Bench;

/// <summary>
/// The model's own time as the service runs it: one CPU session opened by the service's own code, with the service's
/// "Inference" settings as this process's environment gives them (the service the bench starts inherits the same
/// environment), batch 1.
/// </summary>
public sealed class ServiceSession : IDisposable
{
    private readonly SessionPool pool;
    private readonly float[] output;

    private ServiceSession(SessionPool pool)
    {
        this.pool = pool;
        output = new float[pool.Card.OutputChannels * pool.Card.NativeSize * pool.Card.NativeSize];
    }

    public static ServiceSession Open(string name, string path)
    {
        var configured = new ConfigurationBuilder().AddEnvironmentVariables().Build().GetSection(InferenceOptions.Section).Get<InferenceOptions>() ?? new InferenceOptions();
        return new ServiceSession(SessionPool.Open(name, File.ReadAllBytes(path), configured with { UseCuda = false, SessionsPerModel = 1 }, NullLogger.Instance));
    }

    public void Run(float[] input)
    {
        var card = pool.Card;
        pool.Sessions[0].Run(input, output, 1, card.InputChannels, card.OutputChannels, card.NativeSize);
    }

    public void Dispose() => pool.Dispose();
}
