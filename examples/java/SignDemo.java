import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Security;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * SignDemo signs with token keys through SunPKCS11 (libgohsm.so) and verifies
 * each signature with the JDK's software providers (SunEC, SunRsaSign); then
 * it encrypts with AES/GCM in the token and checks the result with SunJCE.
 * Usage: java SignDemo <sunpkcs11 config> <alias=algorithm>...
 * (algorithm: a JCA signature name such as SHA256withECDSA, or RSASSA-PSS, used
 * with SHA-256, MGF1-SHA-256 and a 32-byte salt)
 * The user PIN comes from $USER_PIN. Exits non-zero on any failure.
 */
public class SignDemo {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: SignDemo <config> <alias=SHA256withECDSA>...");
            System.exit(2);
        }
        Provider p = Security.getProvider("SunPKCS11").configure(args[0]);
        Security.addProvider(p);
        long ciphers = p.getServices().stream().filter(sv -> sv.getType().equals("Cipher")).count();
        long sigs = p.getServices().stream().filter(sv -> sv.getType().equals("Signature")).count();
        System.out.println(p.getName() + " offers " + p.getServices().size() + " services: " + sigs
                + " signature algorithms, " + ciphers + " ciphers; AES/GCM: "
                + (p.getService("Cipher", "AES/GCM/NoPadding") != null));
        char[] pin = System.getenv("USER_PIN").toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS11", p);
        ks.load(null, pin);
        byte[] msg = "a message signed in gohsm through SunPKCS11".getBytes(StandardCharsets.UTF_8);

        for (int i = 1; i < args.length; i++) {
            String alias = args[i].substring(0, args[i].indexOf('='));
            String alg = args[i].substring(args[i].indexOf('=') + 1);
            Key k = ks.getKey(alias, null);
            if (!(k instanceof PrivateKey)) {
                throw new Exception("no private key under alias " + alias);
            }
            PublicKey pub = ks.getCertificate(alias).getPublicKey();
            Signature s = Signature.getInstance(alg, p);
            PSSParameterSpec pss = null;
            if (alg.equals("RSASSA-PSS")) {
                pss = new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1);
                s.setParameter(pss);
            }
            s.initSign((PrivateKey) k);
            s.update(msg);
            byte[] sig = s.sign();
            String soft = alg.endsWith("ECDSA") ? "SunEC" : "SunRsaSign";
            Signature v = Signature.getInstance(alg, soft);
            if (pss != null) {
                v.setParameter(pss);
            }
            v.initVerify(pub);
            v.update(msg);
            if (!v.verify(sig)) {
                throw new Exception(alg + " signature by " + alias + " does not verify in " + soft);
            }
            v.initVerify(pub);
            v.update("another message".getBytes(StandardCharsets.UTF_8));
            if (v.verify(sig)) {
                throw new Exception(alg + " signature by " + alias + " verifies another message");
            }
            System.out.println(alg + " with token key '" + alias + "' (" + s.getProvider().getName()
                    + "): " + sig.length + "-byte signature verified by " + soft);
        }
        aesGCM(p);
    }

    /** AES-256/GCM in the token: a key generated there (round trip, tampered tag
     *  refused), and a known key imported as a session object, whose ciphertext
     *  SunJCE must decrypt in software. */
    static void aesGCM(Provider p) throws Exception {
        KeyGenerator kg = KeyGenerator.getInstance("AES", p);
        kg.init(256);
        SecretKey key = kg.generateKey();
        byte[] iv = new byte[12];
        new SecureRandom().nextBytes(iv);
        byte[] aad = "header".getBytes(StandardCharsets.UTF_8);
        byte[] pt = "table data encrypted with AES/GCM in the token".getBytes(StandardCharsets.UTF_8);
        byte[] ct = gcm(p, Cipher.ENCRYPT_MODE, key, iv, aad, pt);
        if (ct.length != pt.length + 16) {
            throw new Exception("AES/GCM ciphertext is " + ct.length + " bytes, want " + (pt.length + 16));
        }
        if (!Arrays.equals(gcm(p, Cipher.DECRYPT_MODE, key, iv, aad, ct), pt)) {
            throw new Exception("AES/GCM round trip returned other bytes");
        }
        ct[ct.length - 1] ^= 1;
        try {
            gcm(p, Cipher.DECRYPT_MODE, key, iv, aad, ct);
            throw new Exception("AES/GCM accepted a tampered tag");
        } catch (javax.crypto.AEADBadTagException expected) {
            // the token refused the tag
        }

        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        SecretKeySpec known = new SecretKeySpec(raw, "AES");
        new SecureRandom().nextBytes(iv);
        byte[] ct2 = gcm(p, Cipher.ENCRYPT_MODE, known, iv, aad, pt);
        if (!Arrays.equals(gcm(Security.getProvider("SunJCE"), Cipher.DECRYPT_MODE, known, iv, aad, ct2), pt)) {
            throw new Exception("SunJCE decrypts the token's AES/GCM ciphertext to other bytes");
        }
        System.out.println("AES/GCM (" + p.getName() + "): token key round trip, tampered tag refused; "
                + "imported key's ciphertext decrypted by SunJCE");
    }

    static byte[] gcm(Provider p, int mode, Key key, byte[] iv, byte[] aad, byte[] in) throws Exception {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding", p);
        c.init(mode, key, new GCMParameterSpec(128, iv));
        c.updateAAD(aad);
        return c.doFinal(in);
    }
}
