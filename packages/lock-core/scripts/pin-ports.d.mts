export declare const PORTS: Record<string, string[]>;
export declare function currentPins(): Record<string, { lua: string; port: string }>;
export declare const pinsFile: string;
