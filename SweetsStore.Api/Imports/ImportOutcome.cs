namespace SweetsStore.Api.Imports;

/// <summary>How <see cref="ImportLoader{T}.LoadAsync"/> ended. Only <see cref="Loaded"/> stored anything.</summary>
public enum ImportOutcome
{
    /// <summary>Every element valid, every row stored (committed).</summary>
    Loaded,

    /// <summary>The body or some elements are invalid: <see cref="ImportLoader{T}.Error"/> lists them.</summary>
    Invalid,

    /// <summary>Some ids already exist in the table: <see cref="ImportLoader{T}.Error"/> names them.</summary>
    IdsExist,

    /// <summary>The COPY waited for an import with some of the same ids, which then rolled back: none exists now.</summary>
    RaceLost,

    /// <summary>The step before the commit said no (a background run that no longer holds its import).</summary>
    Superseded,
}
