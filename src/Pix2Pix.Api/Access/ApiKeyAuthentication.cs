using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Pix2Pix.Api.Access;

/// <summary>
/// ASP.NET Core authentication by the X-API-Key header against <see cref="AuthOptions.ApiKeys"/>, compared in constant
/// time. The identity is the key's position ("key 2"), never the key, so logs and rate-limit partitions do not hold it.
/// </summary>
public sealed class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<AuthOptions> auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-API-Key";

    private readonly byte[][] keys = auth.Value.ApiKeys.Where(k => !string.IsNullOrWhiteSpace(k)).Select(Hash).ToArray();

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var given) || given.Count != 1 || string.IsNullOrEmpty(given[0])) return Task.FromResult(AuthenticateResult.NoResult());
        var hash = Hash(given[0]!);
        var match = -1;
        for (var i = 0; i < keys.Length; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, keys[i])) match = i;
        }

        if (match < 0) return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, $"key {match + 1}")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{Header}\"";
        var given = Request.Headers.ContainsKey(Header);
        await Results.Problem(
            title: given ? "API key not valid" : "API key required",
            detail: given ? $"The key sent in {Header} is not one of this service's keys." : $"This service needs an API key: send it in the {Header} header.",
            statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(Context);
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
