(* outer (* inner *) still comment *)
let s = "(* not a comment"
(* multi
   line *)
let c = '"'
let x = 1 (* trailing *)
