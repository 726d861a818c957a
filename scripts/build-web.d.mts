export declare const ROOT: string;
export declare const DIST: string;
export declare function buildWeb(opts?: { minify?: boolean; quiet?: boolean; sourcemap?: boolean }): Promise<string>;
