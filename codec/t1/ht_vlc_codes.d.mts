/** [c_q, rho, u_off, e_k, e_1, cwd, len] rows of the HT VLC codes (see ht_vlc_codes.mjs). */
export declare const CODES0: Array<[number, number, number, number, number, number, number]>;
export declare const CODES1: Array<[number, number, number, number, number, number, number]>;
