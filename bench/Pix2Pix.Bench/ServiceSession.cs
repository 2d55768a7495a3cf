using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Pix2Pix.Api.Inference;
using Pix2Pix.Contracts;

namespace Pix2Pix.Bench;

/// <summary>
/// The model's own time as the service runs it: one CPU session opened by the service's own code, with the service's
/// "Inference" settings as this process's environment gives them (the service the bench starts inherits the same
/// environment), batch 1. The service bench times it against the service; the request breakdown times it as a stage.
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

    public ModelCard Card => pool.Card;

    /// <summary>
    /// Translates one input of <see cref="Card"/>'s shape as the service runs a lone request (<paramref name="alone"/>,
    /// on its spinning session where it has one) or one in a busy period; the output is overwritten by the next run.
    /// </summary>
    public float[] Run(float[] input, bool alone = true)
    {
        var card = pool.Card;
        (alone && pool.Alone is { } spinning ? spinning : pool.Sessions[0]).Run(input, output, 1, card.InputChannels, card.OutputChannels, card.NativeSize);
        return output;
    }

    public void Dispose() => pool.Dispose();
}
