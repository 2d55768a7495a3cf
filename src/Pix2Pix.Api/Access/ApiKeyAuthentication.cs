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
public sealed class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeys keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-API-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var given) || given.Count != 1 || string.IsNullOrEmpty(given[0])) return Task.FromResult(AuthenticateResult.NoResult());
        var match = keys.IndexOf(given[0]!);
        if (match < 0) return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, $"key {match + 1}")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{Header}\"";
        var given = Request.Headers.ContainsKey(Header);
        await Apis.Problems.Create(Context, StatusCodes.Status401Unauthorized, given ? "API key not valid" : "API key required", given ? $"The key sent in {Header} is not one of this service's keys." : $"This service needs an API key: send it in the {Header} header.").ExecuteAsync(Context);
    }

}

/// <summary>The configured keys' digests, made once (an authentication handler is made per request).</summary>
public sealed class ApiKeys(AuthOptions auth)
{
    private readonly byte[][] digests = auth.Keys.Select(Digest).ToArray();

    /// <summary>The position of <paramref name="given"/> among the keys, or -1; every key is compared, each in constant time.</summary>
    public int IndexOf(string given)
    {
        var digest = Digest(given);
        var match = -1;
        for (var i = 0; i < digests.Length; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, digests[i])) match = i;
        }

        return match;
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
